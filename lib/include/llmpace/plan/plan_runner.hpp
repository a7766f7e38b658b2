// run_plan: runs a resolved RunPlan from start to report — the one call the CLI, a scenario file
// and a suite runner share.
//
//   1. starts the built-in simulator for target "sim" (in-process, loopback, ephemeral port);
//   2. asks the target for its model when none was given;
//   3. makes the prompts (the target's /tokenize may count them);
//   4. runs every benchmark of the profile plan, a sweep's rate stages once its first two stages
//      have measured the rates, each with the plan's SLO for goodput;
//   5. stops starting benchmarks once a signal interrupted one (the report says so).
//
// The observer hears about the run as it goes; every callback has an empty default.
//
// Thread affinity: run_plan blocks the calling thread, which receives every callback except
// on_record (called on worker threads, several at once: the observer synchronises).
#pragma once

#include <cstddef>
#include <string_view>

#include "llmpace/core/time.hpp"
#include "llmpace/metrics/progress_snapshot.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/profile/profile_spec.hpp"
#include "llmpace/report/report.hpp"

namespace llmpace::plan {

class PlanObserver {
 public:
  virtual ~PlanObserver() = default;
  /// A note (warning = false) or warning about the run, one line without "llmpace:".
  virtual void on_note(std::string_view /*text*/, bool /*warning*/) {}
  /// Benchmark `index` (0-based) of `count` is about to send its first request.
  virtual void on_benchmark_start(std::size_t /*index*/, std::size_t /*count*/,
                                  const profile::ProfileSpec& /*spec*/) {}
  virtual void on_progress(const metrics::ProgressSnapshot& /*snapshot*/) {}
  /// A request ended, ON A WORKER THREAD. `benchmark_start` is its benchmark's time origin.
  virtual void on_record(const metrics::RequestRecord& /*record*/, TimePoint /*benchmark_start*/,
                         std::size_t /*benchmark_index*/) {}
  /// Whether on_record reads RequestRecord::body_hash; without a reader it is not computed.
  [[nodiscard]] virtual bool reads_body_hashes() const { return false; }
};

/// Runs `plan` (its target's model is filled in when discovered). Throws RunError when the
/// target cannot be reached or answers no model, ConfigError when the prompts cannot be made as
/// the plan says (e.g. tokenizer "server" and no /tokenize). Failed requests are data, never
/// exceptions.
report::Report run_plan(RunPlan& plan, PlanObserver& observer);

}  // namespace llmpace::plan
