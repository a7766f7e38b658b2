// RunShared: what the coordinator and the workers of one benchmark share.
//
// Counters are relaxed atomics: they feed the progress display and the error limits, and order
// nothing else. The progress medians come from two LogHistograms (0.1 % relative error) behind a
// mutex: one short lock per finished request (O(1)) and per tick (O(buckets), which do not grow
// with the request count), and memory that does not grow with the run's length.
//
// Lifetime: owned by the coordinator (Runner::run's stack) and outlives every worker thread.
// Thread affinity: any thread; `request_stop` must be safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "llmpace/core/time.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/metrics/log_histogram.hpp"
#include "llmpace/metrics/progress_snapshot.hpp"
#include "llmpace/profile/profile_spec.hpp"

namespace llmpace::engine {

class RunShared {
 public:
  RunShared(const Target& run_target, const profile::ProfileSpec& run_spec)
      : target(run_target), spec(run_spec) {}

  const Target& target;
  const profile::ProfileSpec& spec;
  /// The benchmark's time origin; set once before the worker threads start.
  TimePoint start;
  /// Closed loop: the index the next request of any stream takes.
  std::atomic<std::uint64_t> next_closed_index{0};
  /// Asks the coordinator to end the benchmark. Set before the worker threads start.
  std::function<void(metrics::StopReason)> request_stop;
  /// RunnerOptions::slo, keep_records and body_hashes. Set before the worker threads start.
  metrics::Slo slo;
  bool keep_records = false;
  bool body_hashes = true;
  /// RunnerOptions::on_record, or empty. Called on worker threads.
  std::function<void(const metrics::RequestRecord&, TimePoint)> on_record;

  /// A worker began a request.
  void on_dispatched() { started_.fetch_add(1, std::memory_order_relaxed); }
  /// An open-loop arrival was dropped because the concurrency cap was full.
  void on_dropped() { dropped_.fetch_add(1, std::memory_order_relaxed); }
  /// A request ended: counts it, keeps its TTFT and ITL for the progress medians, and asks for a
  /// stop when the errors pass the benchmark's limits.
  void on_finished(const metrics::RequestRecord& record);

  /// True once an error limit has been passed: workers start no further request, without
  /// waiting for the coordinator's stop to reach them (fast failures would overshoot the limit).
  [[nodiscard]] bool error_limit_reached() const {
    return error_stop_requested_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Counters and medians so far (elapsed and limits are left for the caller to fill).
  [[nodiscard]] metrics::ProgressSnapshot snapshot();

 private:
  void check_error_limits(std::uint64_t errored, std::uint64_t finished);

  std::atomic<std::uint64_t> started_{0};
  std::atomic<std::uint64_t> successful_{0};
  std::atomic<std::uint64_t> errored_{0};
  std::atomic<std::uint64_t> incomplete_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<bool> error_stop_requested_{false};

  std::mutex samples_mutex_;
  metrics::LogHistogram ttft_ms_;  // guarded by samples_mutex_
  metrics::LogHistogram itl_ms_;   // per-request mean ITL; guarded by samples_mutex_
};

}  // namespace llmpace::engine
