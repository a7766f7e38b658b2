// The common start of a run's shards (--start-at, --start-file; docs/scale-out.md): waits for
// the run's start instant on the wall clock.
//
// With a start file, shard 0 (or an unsharded run) decides the instant — start_at as resolved,
// e.g. its own now + 30 s — and publishes it there (written to a temporary name, then renamed, so
// a reader never sees half of it); the other shards wait for the file to appear and read it. The
// file lives on a volume the shards share, named per run.
//
// Private to the plan module. Thread affinity: the calling thread, which it blocks; SIGINT and
// SIGTERM end a wait (the handlers are installed only while waiting).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "llmpace/plan/scale_out_plan.hpp"

namespace llmpace::plan::detail {

/// How the wait for the start ended.
struct StartOutcome {
  bool signalled = false;  // SIGINT/SIGTERM: start no benchmark
  std::optional<std::chrono::system_clock::time_point> instant;  // the start, once known
};

/// Finds the start instant (publishing or reading the start file) and waits until it.
/// Throws RunError when the start file cannot be written, or does not appear (or is not an
/// instant) within `file_timeout`.
StartOutcome await_common_start(const ScaleOutPlan& scale_out,
                                std::chrono::steady_clock::duration file_timeout);

}  // namespace llmpace::plan::detail
