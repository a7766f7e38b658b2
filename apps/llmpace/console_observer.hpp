// ConsoleObserver: the console side of a run (benchmark and suite): start lines, the progress
// display, notes and warnings on stderr, and the .jsonl request logs of the plan's outputs,
// written as requests end (so a crash or Ctrl-C loses nothing done).
//
// Thread affinity: as plan::PlanObserver; on_record is called on worker threads (the request
// logs lock). Lifetime: must not outlive the plan it was made for.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/report/progress_display.hpp"
#include "llmpace/report/request_log.hpp"

namespace llmpace::app {

class ConsoleObserver final : public plan::PlanObserver {
 public:
  /// `stage_prefix` comes before each benchmark's start line, e.g. "bf16/chat " in a suite.
  explicit ConsoleObserver(const plan::RunPlan& plan, std::string stage_prefix = {});

  void on_note(std::string_view text, bool warning) override;
  void on_benchmark_start(std::size_t index, std::size_t count,
                          const profile::ProfileSpec& spec) override;
  void on_progress(const metrics::ProgressSnapshot& snapshot) override;
  void on_record(const metrics::RequestRecord& record, TimePoint start,
                 std::size_t benchmark_index) override;
  /// The request logs (.jsonl) write each request's body hash.
  [[nodiscard]] bool reads_body_hashes() const override { return !request_logs_.empty(); }

  void finish_progress();

  /// Closes the request logs. RunError if a line of one could not be written.
  void close_logs();

 private:
  const plan::RunPlan& plan_;
  std::string stage_prefix_;
  report::ProgressDisplay progress_;
  std::string label_;  // the running benchmark's, e.g. "[3/10] constant 4.5 req/s"
  std::vector<std::unique_ptr<report::RequestLogWriter>> request_logs_;
};

}  // namespace llmpace::app
