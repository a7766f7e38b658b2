// Runner constraints: a time limit (cancelling or draining the requests in flight) and the error
// limits, against an embedded simulator on 127.0.0.1.
#include <catch2/catch.hpp>

#include "unit/engine/engine_fixture.hpp"

using llmpace::ErrorKind;
using llmpace::ProfileKind;
using llmpace::metrics::compute_metrics;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::StopReason;
using llmpace::profile::ProfileSpec;
using llmpace::test::fast_sim_options;
using llmpace::test::relaxed;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

namespace {

/// A simulator whose tokens come 20 ms apart: a 100-token request takes 2 s.
std::unique_ptr<llmpace::sim::SimServer> start_slow_sim() {
  auto options = fast_sim_options();
  options.itl = 20ms;
  return start_sim(options);
}

/// A simulator that answers every generation request with HTTP 500.
std::unique_ptr<llmpace::sim::SimServer> start_failing_sim() {
  auto options = fast_sim_options();
  options.fail_rate = 1.0;
  return start_sim(options);
}

}  // namespace

TEST_CASE("max_duration ends a benchmark and cancels the requests in flight", "[timing]") {
  const auto sim = start_slow_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 3;
  spec.max_duration = 300ms;
  // 2 s per request (more in a sanitized build, so that the bound below stays under it).
  const auto output_tokens = static_cast<std::int64_t>(100 * llmpace::test::kTimingSlack);
  const auto result =
      run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2), output_tokens);

  CHECK(result.stop_reason == StopReason::max_seconds);
  CHECK_FALSE(result.interrupted);
  REQUIRE(result.records.size() == 3);  // one 2 s request per stream, none finished
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::incomplete);
    CHECK(record.error_kind == ErrorKind::none);
    CHECK(record.has_first_token());  // cut mid-stream, what arrived is kept
    CHECK(record.done - result.start >= 300ms);
  }
  // A cancelled benchmark ends at its stop, not when its last request would have.
  CHECK(result.end - result.start >= 300ms);
  CHECK(result.end - result.start < relaxed(1500ms));
  CHECK(compute_metrics(result).requests.incomplete == 3);
}

TEST_CASE("max_duration with drain lets the requests in flight finish and starts no more",
          "[timing]") {
  const auto sim = start_slow_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 3;
  // Long enough for every stream to have sent its first request on a busy machine.
  const auto limit = relaxed(300ms);
  spec.max_duration = limit;
  spec.drain = true;
  // 40 tokens: 800 ms each, so each stream is in its first request at the time limit.
  const auto output_tokens = static_cast<std::int64_t>(40 * llmpace::test::kTimingSlack);
  const auto result =
      run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2), output_tokens);

  CHECK(result.stop_reason == StopReason::max_seconds);
  REQUIRE(result.records.size() == 3);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    CHECK(record.output_tokens == output_tokens);
    CHECK(record.dispatched - result.start < limit);
    CHECK(record.done - result.start > limit);
  }
  CHECK(result.end >= result.records.back().done);  // a drained benchmark ends with its last
}

TEST_CASE("max_errors stops the benchmark at that many errors, counted by kind") {
  const auto sim = start_failing_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::synchronous;
  spec.max_errors = 5;
  spec.max_requests = 100;
  const auto result = run_benchmark(target_for(sim->base_url()), spec);

  CHECK(result.stop_reason == StopReason::max_errors);
  REQUIRE(result.records.size() == 5);  // one at a time: no request starts after the fifth error
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::errored);
    CHECK(record.error_kind == ErrorKind::http_status);
    CHECK(record.http_status == 500);
    CHECK_THAT(record.error_message, Catch::StartsWith("HTTP 500"));
  }
  const auto metrics = compute_metrics(result);
  CHECK(metrics.requests.errored == 5);
  CHECK(metrics.errors_by_kind == std::map<std::string, std::size_t>{{"http_status", 5}});
}

TEST_CASE("max_errors holds across concurrent streams, give or take the requests in flight") {
  const auto sim = start_failing_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 4;
  spec.max_errors = 10;
  spec.max_requests = 1000;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2));

  CHECK(result.stop_reason == StopReason::max_errors);
  // Requests already in flight when the limit is reached end as errors or as incomplete.
  CHECK(result.records.size() >= 10);
  CHECK(result.records.size() < 10 + 4 + 1);
}

TEST_CASE("max_error_rate is judged once enough requests have finished") {
  const auto sim = start_failing_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::synchronous;
  spec.max_error_rate = 0.5;
  spec.max_requests = 100;
  const auto result = run_benchmark(target_for(sim->base_url()), spec);

  CHECK(result.stop_reason == StopReason::max_error_rate);
  // Every request fails, but one early error cannot end a benchmark: it waits for this many.
  CHECK(result.records.size() == llmpace::profile::kMinRequestsForErrorRate);
  CHECK(compute_metrics(result).errors_by_kind.at("http_status") ==
        llmpace::profile::kMinRequestsForErrorRate);
}
