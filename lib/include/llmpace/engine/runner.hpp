// Runner: runs one benchmark (one profile stage) against a target and returns every record.
//
// Everything runs on one io_context on the calling thread.
// - Closed loop (synchronous, concurrent): each stream is a coroutine with its own keep-alive
//   connection that starts a request, awaits its end, and starts the next. A request's
//   `scheduled` time is the instant its stream became free for it.
// - Open loop (throughput, constant, poisson): an arrival coroutine sleeps until each request's
//   due time from the ArrivalSchedule (computed from the start, never from the previous send)
//   and launches it on a free keep-alive connection, opening one when none is free. `scheduled`
//   is the due time, so the send lag (sent - scheduled) shows any client lateness.
//
// Stopping: the benchmark ends when its constraints say so, or on SIGINT / SIGTERM (the result
// is then marked interrupted; a second signal exits the process at once with code 130). Requests
// in flight at the stop are cancelled and recorded as incomplete.
//
// Thread affinity: run() blocks the calling thread; one run() at a time per Runner.
#pragma once

#include <functional>

#include "llmpace/engine/target.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/profile/profile_spec.hpp"
#include "llmpace/workload/synthetic_data.hpp"

namespace llmpace::engine {

struct RunnerOptions {
  bool handle_signals = true;  // install SIGINT/SIGTERM handlers while a benchmark runs
  /// Called once a benchmark's signal handlers are in place, just before its first request.
  std::function<void(const profile::ProfileSpec&)> on_start;
};

class Runner {
 public:
  Runner(Target target, workload::SyntheticPromptSource prompts, RunnerOptions options = {});

  metrics::BenchmarkResult run(const profile::ProfileSpec& spec);

  /// True once a signal has stopped a benchmark: callers should not start another.
  [[nodiscard]] bool interrupted() const { return interrupted_; }

 private:
  Target target_;
  workload::SyntheticPromptSource prompts_;
  RunnerOptions options_;
  std::uint64_t prompts_used_ = 0;  // prompts of earlier benchmarks of this run
  bool interrupted_ = false;
};

}  // namespace llmpace::engine
