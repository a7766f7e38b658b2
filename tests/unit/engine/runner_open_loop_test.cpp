// Runner, open loop (constant, poisson, throughput): due times straight from the schedule, the
// concurrency cap and dropping at the cap, against an embedded simulator on 127.0.0.1.
#include <catch2/catch.hpp>
#include <vector>

#include "llmpace/profile/arrival_schedule.hpp"
#include "unit/engine/engine_fixture.hpp"

using llmpace::Nanoseconds;
using llmpace::ProfileKind;
using llmpace::metrics::BenchmarkResult;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::profile::ArrivalSchedule;
using llmpace::profile::ProfileSpec;
using llmpace::profile::WhenFull;
using llmpace::test::indices_are_sequential;
using llmpace::test::max_in_flight;
using llmpace::test::relaxed;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

namespace {

std::vector<Nanoseconds> scheduled_offsets(const BenchmarkResult& result) {
  std::vector<Nanoseconds> offsets;
  for (const RequestRecord& record : result.records)
    offsets.push_back(record.scheduled - result.start);
  return offsets;
}

}  // namespace

TEST_CASE("constant: request n is scheduled at exactly start + n / rate, and sent about then",
          "[timing]") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::constant;
  spec.rate_per_s = 50;  // 20 ms apart
  spec.max_requests = 20;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2));

  CHECK(result.workers == 2);
  CHECK(result.rate == 50.0);
  REQUIRE(result.records.size() == 20);
  CHECK(indices_are_sequential(result.records));
  std::vector<Nanoseconds> lags;
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    CHECK(record.scheduled - result.start == 20ms * static_cast<int>(record.index));
    CHECK(record.sent >= record.scheduled);  // never early
    lags.push_back(record.sent - record.scheduled);
  }
  // A loose bound: shared machines are noisy, but a median lag near the 20 ms gap would mean the
  // schedule is not kept at all.
  std::sort(lags.begin(), lags.end());
  CHECK(lags[lags.size() / 2] < relaxed(15ms));
  CHECK(lags.back() < relaxed(1s));
}

TEST_CASE("poisson: the same seed gives the same due times, the schedule's own") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::poisson;
  spec.rate_per_s = 200;
  spec.seed = 7;
  spec.max_requests = 30;
  const auto target = target_for(sim->base_url());
  const auto first = run_benchmark(target, spec, test_runner_options(2));
  const auto second = run_benchmark(target, spec, test_runner_options(1));
  REQUIRE(first.records.size() == 30);
  REQUIRE(second.records.size() == 30);
  CHECK(scheduled_offsets(first) == scheduled_offsets(second));

  ArrivalSchedule schedule = ArrivalSchedule::poisson(200, 7);
  std::vector<Nanoseconds> expected;
  for (int n = 0; n < 30; ++n) expected.push_back(schedule.next());
  CHECK(scheduled_offsets(first) == expected);

  spec.seed = 8;
  CHECK(scheduled_offsets(run_benchmark(target, spec)) != expected);
}

TEST_CASE("throughput: every request due at the start, at most max_concurrency in flight") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::throughput;
  spec.max_concurrency = 3;
  spec.max_requests = 30;
  const int threads = GENERATE(1, 2);  // with 2 the cap is split 2 + 1
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(threads),
                                    /*output_tokens=*/8);
  CHECK(result.workers == threads);
  REQUIRE(result.records.size() == 30);
  CHECK(indices_are_sequential(result.records));
  int waited = 0;
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    CHECK(record.scheduled == result.start);
    waited += record.waited_for_slot ? 1 : 0;
  }
  CHECK(max_in_flight(result.records) <= 3);
  // Each worker launches its first arrivals back to back into its share of the cap, so the next
  // one finds the cap full and waits (later ones may find a slot already free).
  CHECK(waited >= threads);
  CHECK(result.dropped == 0);
}

TEST_CASE("when_full drop: arrivals that find the cap full are counted as dropped, not sent") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::throughput;
  spec.max_concurrency = 2;
  spec.when_full = WhenFull::drop;
  spec.max_requests = 20;
  const auto result = run_benchmark(target_for(sim->base_url()), spec);
  // All 20 are due at once: the first two take the slots, the other 18 find them full.
  CHECK(result.records.size() == 2);
  CHECK(result.dropped == 18);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    CHECK_FALSE(record.waited_for_slot);
  }
  CHECK(llmpace::metrics::compute_metrics(result).requests.dropped == 18);
}
