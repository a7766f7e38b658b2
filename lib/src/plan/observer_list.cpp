#include "llmpace/plan/observer_list.hpp"

#include <algorithm>

namespace llmpace::plan {

ObserverList::ObserverList(std::initializer_list<PlanObserver*> observers) {
  for (PlanObserver* observer : observers) {
    if (observer != nullptr) observers_.push_back(observer);
  }
}

void ObserverList::on_note(std::string_view text, bool warning) {
  for (PlanObserver* observer : observers_) observer->on_note(text, warning);
}

void ObserverList::on_benchmark_start(std::size_t index, std::size_t count,
                                      const profile::ProfileSpec& spec) {
  for (PlanObserver* observer : observers_) observer->on_benchmark_start(index, count, spec);
}

void ObserverList::on_progress(const metrics::ProgressSnapshot& snapshot) {
  for (PlanObserver* observer : observers_) observer->on_progress(snapshot);
}

void ObserverList::on_record(const metrics::RequestRecord& record, TimePoint benchmark_start,
                             std::size_t benchmark_index) {
  for (PlanObserver* observer : observers_) {
    observer->on_record(record, benchmark_start, benchmark_index);
  }
}

bool ObserverList::reads_body_hashes() const {
  return std::any_of(observers_.begin(), observers_.end(),
                     [](const PlanObserver* observer) { return observer->reads_body_hashes(); });
}

}  // namespace llmpace::plan
