#include "llmpace/plan/observer_list.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace llmpace::plan {
namespace {

/// Writes what it hears into a shared log, prefixed by its name.
class Recording final : public PlanObserver {
 public:
  Recording(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void on_note(std::string_view text, bool warning) override {
    log_.push_back(name_ + (warning ? " warning " : " note ") + std::string(text));
  }
  void on_benchmark_start(std::size_t index, std::size_t count,
                          const profile::ProfileSpec&) override {
    log_.push_back(name_ + " start " + std::to_string(index) + "/" + std::to_string(count));
  }
  void on_progress(const metrics::ProgressSnapshot& snapshot) override {
    log_.push_back(name_ + " progress " + std::to_string(snapshot.in_flight));
  }
  void on_record(const metrics::RequestRecord& record, TimePoint, std::size_t index) override {
    log_.push_back(name_ + " record " + std::to_string(record.index) + "@" + std::to_string(index));
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

TEST_CASE("ObserverList passes every callback to each observer in order") {
  std::vector<std::string> log;
  Recording console("console", log);
  Recording live("live", log);
  ObserverList list{&console, nullptr};
  list.add(live);

  list.on_note("hello", false);
  list.on_benchmark_start(1, 3, profile::ProfileSpec{});
  metrics::ProgressSnapshot snapshot;
  snapshot.in_flight = 7;
  list.on_progress(snapshot);
  metrics::RequestRecord record;
  record.index = 42;
  list.on_record(record, TimePoint{}, 2);
  list.on_note("careful", true);

  CHECK(log == std::vector<std::string>{
                   "console note hello", "live note hello", "console start 1/3", "live start 1/3",
                   "console progress 7", "live progress 7", "console record 42@2",
                   "live record 42@2", "console warning careful", "live warning careful"});
}

}  // namespace
}  // namespace llmpace::plan
