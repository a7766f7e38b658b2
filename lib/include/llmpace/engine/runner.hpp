// Runner: runs one benchmark (one profile stage) against a target and returns its requests,
// tallied as they ended (metrics::RequestTally: memory that does not grow with their tokens).
//
// The calling thread coordinates: it owns the signal handlers, the time limit and the progress
// ticks. The requests are sent by `threads` workers (see worker.hpp), each on its own thread
// with its own io_context and keep-alive connections and an exact share of the load:
// - closed loop (synchronous: 1 stream; concurrent: N streams spread over the workers);
// - open loop: worker w of W takes arrivals w, w+W, w+2W, ... of the one schedule, computed from
//   the start (never from the previous send), so together they send exactly the single-thread
//   schedule. A concurrency cap is split between the workers (no more workers than the cap).
// With a shard (shard.hpp), the same split applies to this process's part of the benchmark.
//
// Stopping: the benchmark ends when its constraints say so, or on SIGINT / SIGTERM (the result
// is then marked interrupted; a second signal exits the process at once with code 130). Requests
// in flight at the end are cancelled and recorded as incomplete, except that with `drain` a time
// limit lets them finish. Error limits and signals always cancel.
//
// Thread affinity: run() blocks the calling thread; one run() at a time per Runner.
#pragma once

#include <functional>
#include <memory>

#include "llmpace/core/time.hpp"
#include "llmpace/engine/shard.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/metrics/progress_snapshot.hpp"
#include "llmpace/profile/profile_spec.hpp"
#include "llmpace/workload/prompt.hpp"

namespace llmpace::engine {

struct RunnerOptions {
  bool handle_signals = true;  // install SIGINT/SIGTERM handlers while a benchmark runs
  int threads = 1;             // worker threads (fewer when the profile cannot use them all)
  /// The part of each benchmark this process sends (shard.hpp). The caller checks that the
  /// profile can be shared that way (a stream or a concurrency slot for every shard).
  Shard shard;
  Nanoseconds progress_interval = Seconds{1};
  /// The objectives goodput counts requests against (BenchmarkResult::slo); empty: none.
  metrics::Slo slo;
  /// Also return every request's record (BenchmarkResult::records): memory that grows with the
  /// requests and their tokens. For tests; reports need only the tally.
  bool keep_records = false;
  /// Fill RequestRecord::body_hash, 1.5 k instructions per request: for a request log. Always
  /// filled with keep_records.
  bool body_hashes = true;
  /// Called on the calling thread every progress_interval while a benchmark runs, and once with
  /// `final` set when it has ended.
  std::function<void(const metrics::ProgressSnapshot&)> on_progress;
  /// Asked on the calling thread at every progress tick (with on_progress set); true ends the
  /// benchmark with StopReason::over_saturated (--stop-on-saturation).
  std::function<bool(const metrics::ProgressSnapshot&)> over_saturated;
  /// Called as each request ends, ON THE WORKER'S THREAD (several at once with threads > 1: the
  /// callee synchronises), with the benchmark's start. For streaming records to disk.
  std::function<void(const metrics::RequestRecord&, TimePoint benchmark_start)> on_record;
  /// Called once a benchmark's signal handlers are in place, just before its first request.
  std::function<void(const profile::ProfileSpec&)> on_start;
};

class Runner {
 public:
  /// `prompts` is shared with the workers for the runner's lifetime.
  Runner(Target target, std::shared_ptr<const workload::PromptSource> prompts,
         RunnerOptions options = {});

  metrics::BenchmarkResult run(const profile::ProfileSpec& spec);

  /// True once a signal has stopped a benchmark: callers should not start another.
  [[nodiscard]] bool interrupted() const { return interrupted_; }

 private:
  Target target_;
  std::shared_ptr<const workload::PromptSource> prompts_;
  RunnerOptions options_;
  std::uint64_t prompts_used_ = 0;  // prompts of earlier benchmarks of this run
  bool interrupted_ = false;
};

}  // namespace llmpace::engine
