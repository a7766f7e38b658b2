// Runner, closed loop (synchronous, concurrent), against an embedded simulator on 127.0.0.1.
#include <catch2/catch.hpp>

#include "unit/engine/engine_fixture.hpp"

using llmpace::ProfileKind;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::StopReason;
using llmpace::profile::ProfileSpec;
using llmpace::test::indices_are_sequential;
using llmpace::test::max_in_flight;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;

TEST_CASE("synchronous: exactly N requests, one at a time, in index order") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::synchronous;
  spec.max_requests = 8;
  // More threads than the profile can use: still one worker, one request at a time.
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2));

  CHECK(result.profile == ProfileKind::synchronous);
  CHECK(result.workers == 1);
  CHECK(result.stop_reason == StopReason::requests_done);
  CHECK_FALSE(result.interrupted);
  REQUIRE(result.records.size() == 8);
  CHECK(indices_are_sequential(result.records));
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
  }
  for (std::size_t i = 1; i < result.records.size(); ++i) {
    // Each one is sent only after the previous one has ended.
    CHECK(result.records[i].sent >= result.records[i - 1].done);
  }
  CHECK(max_in_flight(result.records) == 1);
  CHECK(result.start <= result.records.front().scheduled);
  CHECK(result.end >= result.records.back().done);
}

TEST_CASE("concurrent: S streams over several threads, max_requests across all of them") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 4;
  spec.max_requests = 40;
  // 8 tokens at 1 ms: long enough for the streams to overlap.
  const auto result =
      run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2), /*output_tokens=*/8);

  CHECK(result.workers == 2);
  CHECK(result.rate == 4.0);
  REQUIRE(result.records.size() == 40);  // not one more, though two workers take indices
  CHECK(indices_are_sequential(result.records));
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    CHECK_FALSE(record.waited_for_slot);
  }
  const int most = max_in_flight(result.records);
  CHECK(most <= 4);
  CHECK(most >= 2);  // the streams did run side by side
}

TEST_CASE("concurrent: more threads than streams use one worker per stream") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 2;
  spec.max_requests = 10;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(4));
  CHECK(result.workers == 2);
  CHECK(result.records.size() == 10);
  CHECK(max_in_flight(result.records) <= 2);
}

TEST_CASE("records kept or not: the tally of two workers gives the metrics of every record") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 4;
  spec.max_requests = 60;
  auto options = test_runner_options(2);
  options.slo.ttft_ms = 1000.0;
  const auto kept = run_benchmark(target_for(sim->base_url()), spec, options, /*output_tokens=*/6);
  REQUIRE(kept.records.size() == 60);
  REQUIRE(kept.tally.size() == 60);
  REQUIRE(kept.tally.end_index() == 60);
  CHECK(kept.slo.ttft_ms == 1000.0);

  // The metrics of the tally the workers built (compute_metrics' choice when it is there) and
  // those of the records themselves.
  auto records_only = kept;
  records_only.tally = llmpace::metrics::RequestTally{};
  const auto from_tally = llmpace::metrics::compute_metrics(kept);
  const auto from_records = llmpace::metrics::compute_metrics(records_only);
  CHECK(from_tally.requests.successful == 60);
  CHECK(from_tally.goodput->requests_met == from_records.goodput->requests_met);
  CHECK(from_tally.concurrency.max == from_records.concurrency.max);
  CHECK(from_tally.concurrency.mean == Approx(from_records.concurrency.mean).epsilon(1e-12));
  for (const auto& field : llmpace::metrics::kDistributionFields) {
    INFO(field.name);
    const auto& tallied = from_tally.*field.member;
    const auto& recorded = from_records.*field.member;
    CHECK(tallied.count == recorded.count);
    CHECK(tallied.p50 == recorded.p50);
    CHECK(tallied.p99 == recorded.p99);
    CHECK(tallied.max == recorded.max);
  }
  REQUIRE(from_tally.timeline.size() == from_records.timeline.size());
  for (std::size_t i = 0; i < from_tally.timeline.size(); ++i) {
    CHECK(from_tally.timeline[i].token_chunks_per_s == from_records.timeline[i].token_chunks_per_s);
  }

  // The simulator dates its responses with this host's clock: the offset's bounds hold 0 (up to
  // the microseconds between reading the steady and the wall clock at the start).
  REQUIRE(from_tally.server_clock.has_value());
  CHECK(from_tally.server_clock->responses == 60);
  CHECK(from_tally.server_clock->offset_low_s <= 0.001);
  CHECK(from_tally.server_clock->offset_high_s >= -0.001);

  // Without keep_records (the default) nothing but the tally is kept.
  options.keep_records = false;
  const auto tallied = run_benchmark(target_for(sim->base_url()), spec, options, 6);
  CHECK(tallied.records.empty());
  CHECK(tallied.tally.size() == 60);
  CHECK(llmpace::metrics::compute_metrics(tallied).requests.successful == 60);
}
