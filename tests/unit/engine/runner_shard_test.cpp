// Runner with a shard (engine/shard.hpp): N runners, each sending shard I of N, together send
// exactly what one runner sends — the same request indices, due times and prompts — against an
// embedded simulator on 127.0.0.1.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "unit/engine/engine_fixture.hpp"

using llmpace::ProfileKind;
using llmpace::engine::RunnerOptions;
using llmpace::engine::Shard;
using llmpace::metrics::BenchmarkResult;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::profile::ProfileSpec;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

namespace {

/// (index, due offset in ns) of every record.
std::set<std::tuple<std::uint64_t, std::int64_t>> schedule_of(const BenchmarkResult& result) {
  std::set<std::tuple<std::uint64_t, std::int64_t>> schedule;
  for (const RequestRecord& record : result.records) {
    schedule.emplace(record.index, (record.scheduled - result.start).count());
  }
  return schedule;
}

RunnerOptions shard_options(int index, int count, int threads) {
  RunnerOptions options = test_runner_options(threads);
  options.shard = Shard{index, count};
  return options;
}

}  // namespace

TEST_CASE("open loop: shard I of N sends the requests n = I mod N of the one schedule") {
  const auto sim = start_sim();
  const auto target = target_for(sim->base_url());
  ProfileSpec spec;
  spec.kind = ProfileKind::poisson;
  spec.rate_per_s = 400;
  spec.seed = 11;
  spec.max_requests = 30;
  const auto whole = run_benchmark(target, spec, test_runner_options(1));
  REQUIRE(whole.records.size() == 30);

  std::set<std::tuple<std::uint64_t, std::int64_t>> union_of_shards;
  for (int shard = 0; shard < 4; ++shard) {
    // Two threads in a shard: the workers' split and the shards' compose.
    const auto part = run_benchmark(target, spec, shard_options(shard, 4, 2));
    // 30 requests over 4 shards: 8, 8, 7, 7.
    CHECK(part.records.size() == (shard < 2 ? 8U : 7U));
    for (const RequestRecord& record : part.records) {
      CHECK(record.index % 4 == static_cast<std::uint64_t>(shard));
      CHECK(record.status == RequestStatus::successful);
    }
    for (const auto& entry : schedule_of(part)) CHECK(union_of_shards.insert(entry).second);
  }
  CHECK(union_of_shards == schedule_of(whole));
}

TEST_CASE("closed loop: shard I of N runs its share of the streams, requests I, I + N, ...") {
  const auto sim = start_sim();
  const auto target = target_for(sim->base_url());
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 5;
  spec.max_requests = 10;
  std::set<std::uint64_t> indices;
  for (int shard = 0; shard < 3; ++shard) {
    const auto part = run_benchmark(target, spec, shard_options(shard, 3, 4));
    // Streams 5 over 3 shards: 2, 2, 1; requests 10 over 3: 4, 3, 3.
    CHECK(part.workers == (shard < 2 ? 2 : 1));
    CHECK(part.records.size() == (shard == 0 ? 4U : 3U));
    for (const RequestRecord& record : part.records) {
      CHECK(record.index % 3 == static_cast<std::uint64_t>(shard));
      CHECK(indices.insert(record.index).second);
    }
  }
  CHECK(indices.size() == 10);
  CHECK(*indices.rbegin() == 9);
}

TEST_CASE("a concurrency cap is shared between the shards") {
  const auto sim = start_sim([] {
    auto options = llmpace::test::fast_sim_options();
    options.ttft = 30ms;  // long enough for arrivals to pile up at the cap
    return options;
  }());
  ProfileSpec spec;
  spec.kind = ProfileKind::throughput;
  spec.max_concurrency = 5;
  spec.max_requests = 12;
  // Shard 0 of 2 gets 3 of the 5 slots.
  const auto part = run_benchmark(target_for(sim->base_url()), spec, shard_options(0, 2, 1));
  CHECK(part.records.size() == 6);
  CHECK(llmpace::test::max_in_flight(part.records) == 3);
}
