// ObserverList: one PlanObserver that passes every callback on to several, in the order given
// (e.g. the console and the live Prometheus metrics of a benchmark or suite run).
//
// Thread affinity: as plan::PlanObserver; on_record is passed on from worker threads, so each
// observer must be safe there as PlanObserver requires. The list itself is not changed during a
// run. Lifetime: the observers are not owned and must outlive the list's use.
#pragma once

#include <initializer_list>
#include <vector>

#include "llmpace/plan/plan_runner.hpp"

namespace llmpace::plan {

class ObserverList final : public PlanObserver {
 public:
  ObserverList() = default;
  ObserverList(std::initializer_list<PlanObserver*> observers);

  /// Adds `observer` (not owned) at the end; never while a plan runs.
  void add(PlanObserver& observer) { observers_.push_back(&observer); }

  void on_note(std::string_view text, bool warning) override;
  void on_benchmark_start(std::size_t index, std::size_t count,
                          const profile::ProfileSpec& spec) override;
  void on_progress(const metrics::ProgressSnapshot& snapshot) override;
  void on_record(const metrics::RequestRecord& record, TimePoint benchmark_start,
                 std::size_t benchmark_index) override;
  [[nodiscard]] bool reads_body_hashes() const override;

 private:
  std::vector<PlanObserver*> observers_;
};

}  // namespace llmpace::plan
