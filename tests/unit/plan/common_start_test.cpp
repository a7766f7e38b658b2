// The shards' start of every benchmark after the first (common_start.hpp): a barrier through files
// beside the start file, with shard 0 settling once all are done and publishing one instant.
#include "../../../lib/src/plan/common_start.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

using namespace llmpace;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using std::chrono::system_clock;
namespace fs = std::filesystem;

namespace {

using llmpace::test::TempDir;

plan::ScaleOutPlan shard(int index, int count, const TempDir& dir) {
  plan::ScaleOutPlan scale_out;
  scale_out.shard = {index, count};
  scale_out.start_file = (dir.path() / "start").string();
  return scale_out;
}

std::string first_line(const fs::path& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

constexpr auto kLong = std::chrono::seconds{30};

}  // namespace

TEST_CASE(
    "every shard starts a later benchmark at the instant shard 0 publishes once all are done") {
  const TempDir dir;
  constexpr int kShards = 3;
  int settles = 0;
  bool marks_there_at_settle = false;
  system_clock::time_point settled_at;
  const auto settle = [&] {  // only shard 0 calls it
    ++settles;
    marks_there_at_settle =
        fs::exists(dir.path() / "start.1.ready-1") && fs::exists(dir.path() / "start.1.ready-2");
    settled_at = system_clock::now();
  };
  struct Started {
    plan::detail::StartOutcome outcome;
    system_clock::time_point returned_at;
  };
  std::vector<std::future<Started>> shards;
  for (int index = 0; index < kShards; ++index) {
    shards.push_back(std::async(std::launch::async, [&, index] {
      Started started;
      started.outcome =
          plan::detail::await_benchmark_start(shard(index, kShards, dir), 1, settle, kLong, kLong);
      started.returned_at = system_clock::now();
      return started;
    }));
  }
  std::vector<Started> results;
  for (auto& future : shards) results.push_back(future.get());

  CHECK(settles == 1);
  CHECK(marks_there_at_settle);
  const auto instant = results[0].outcome.instant;
  REQUIRE(instant);
  CHECK(*instant >= settled_at + plan::detail::kBenchmarkStartLead - std::chrono::milliseconds{1});
  CHECK(*instant <= settled_at + plan::detail::kBenchmarkStartLead + std::chrono::seconds{1});
  CHECK(first_line(dir.path() / "start.1") == plan::format_rfc3339_ms(*instant));
  for (const Started& started : results) {
    CHECK_FALSE(started.outcome.signalled);
    CHECK(started.outcome.stopped.empty());
    CHECK(started.outcome.instant == instant);  // to the nanosecond: as published
    CHECK(started.returned_at >= *instant);
  }
  CHECK_FALSE(fs::exists(dir.path() / "start.stop"));
}

TEST_CASE("shard 0 gives up on a shard that never comes and tells the others") {
  const TempDir dir;
  bool settled = false;
  const auto outcome = plan::detail::await_benchmark_start(
      shard(0, 3, dir), 2, [&] { settled = true; }, std::chrono::milliseconds{200}, kLong);
  CHECK_FALSE(settled);
  CHECK_FALSE(outcome.instant);
  CHECK_THAT(outcome.stopped, StartsWith("shard 0 stopped before benchmark 3: shard 1 was not "
                                         "done with benchmark 2 within 0 s"));
  CHECK(first_line(dir.path() / "start.stop") == outcome.stopped);
  CHECK_FALSE(fs::exists(dir.path() / "start.2"));

  // A shard that comes late finds the stop and does not wait.
  bool late_settled = false;  // only shard 0 settles
  const auto late = plan::detail::await_benchmark_start(
      shard(2, 3, dir), 2, [&] { late_settled = true; }, kLong, kLong);
  CHECK_FALSE(late_settled);
  CHECK(late.stopped == outcome.stopped);
  CHECK_FALSE(late.instant);
}

TEST_CASE("a stop published by one shard ends another's wait for shard 0") {
  const TempDir dir;
  std::atomic<bool> settled = false;  // only shard 0 settles
  auto waiting = std::async(std::launch::async, [&] {
    return plan::detail::await_benchmark_start(
        shard(1, 3, dir), 1, [&] { settled = true; }, kLong, kLong);
  });
  plan::detail::publish_stop(shard(2, 3, dir), 1, "interrupted");
  plan::detail::publish_stop(shard(0, 3, dir), 1, "a later stop");  // the first one stays
  const auto outcome = waiting.get();
  CHECK(outcome.stopped == "shard 2 stopped before benchmark 2: interrupted");
  CHECK_FALSE(outcome.instant);
  CHECK_FALSE(settled);
  CHECK(fs::exists(dir.path() / "start.1.ready-1"));
}
