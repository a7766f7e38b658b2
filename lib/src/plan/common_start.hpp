// The common starts of a run's shards (--start-at, --start-file; docs/scale-out.md): the run's
// first benchmark starts at one wall-clock instant in every shard, and with a start file so does
// every later one.
//
// The first start: shard 0 (or an unsharded run) decides the instant — start_at as resolved, e.g.
// its own now + 30 s — and publishes it in the start file (written to a temporary name, then
// renamed, so a reader never sees half of it); the other shards wait for the file to appear and
// read it. The file lives on a volume the shards share, named per run.
//
// Each later benchmark k (a barrier through the same directory; without it the shards would
// drift apart, each settling while the others already load the server):
//   - every other shard, done with benchmark k-1, leaves a mark START.k.ready-I, then waits for
//     START.k;
//   - shard 0 waits for all the marks, settles (the server works off benchmark k-1), publishes
//     START.k = its now + kBenchmarkStartLead and, like the others, waits until that instant.
// A shard that will start no more benchmarks (Ctrl-C, a barrier that timed out) says why in
// START.stop; a shard waiting at a barrier stops too when it finds that file.
//
// Private to the plan module. Thread affinity: the calling thread, which it blocks; SIGINT and
// SIGTERM end a wait (the handlers are installed only while waiting).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/plan/scale_out_plan.hpp"

namespace llmpace::plan::detail {

/// How long before a later benchmark's instant shard 0 publishes it: time for the other shards'
/// next look at the volume (every 100 ms).
inline constexpr std::chrono::seconds kBenchmarkStartLead{2};

/// How the wait for a start ended.
struct StartOutcome {
  bool signalled = false;  // SIGINT/SIGTERM: start no benchmark
  std::optional<std::chrono::system_clock::time_point> instant;  // the start, once known
  std::string stopped;  // a later benchmark: why it does not start (another shard stopped, or a
                        // barrier timed out); empty otherwise
};

/// Finds the first benchmark's instant (publishing or reading the start file) and waits until it.
/// Throws RunError when the start file cannot be written, or does not appear (or is not an
/// instant) within `file_timeout`.
StartOutcome await_common_start(const ScaleOutPlan& scale_out,
                                std::chrono::steady_clock::duration file_timeout);

/// The barrier before benchmark `benchmark` (≥ 1) of a sharded run with a start file (above).
/// Shard 0 calls `settle` once every shard is done with the previous benchmark. Waits at most
/// `file_timeout` for the other shards' marks (shard 0), or that plus `settle_timeout` for shard
/// 0's instant (the others); on timeout it publishes the stop itself and returns `stopped`.
/// Throws RunError when a file cannot be written or read.
StartOutcome await_benchmark_start(const ScaleOutPlan& scale_out, std::size_t benchmark,
                                   const std::function<void()>& settle,
                                   std::chrono::steady_clock::duration file_timeout,
                                   std::chrono::steady_clock::duration settle_timeout);

/// Tells the other shards that this one starts no benchmark from `benchmark` on, and why
/// (START.stop). The first stop published stays; later ones leave it.
void publish_stop(const ScaleOutPlan& scale_out, std::size_t benchmark, std::string_view why);

}  // namespace llmpace::plan::detail
