// How a benchmark ends while requests are in flight (runner.hpp, "Stopping"): a signal cancels
// them, also during a drain; an error limit cancels them; an open-loop time limit stops the
// schedule, then cancels or drains. Against an embedded simulator on 127.0.0.1.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>

#include "llmpace/sim/fault_plan.hpp"
#include "unit/engine/engine_fixture.hpp"

using llmpace::ErrorKind;
using llmpace::ProfileKind;
using llmpace::TimePoint;
using llmpace::metrics::ProgressSnapshot;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::StopReason;
using llmpace::profile::ProfileSpec;
using llmpace::sim::FaultKind;
using llmpace::sim::FaultPlan;
using llmpace::sim::FaultSpec;
using llmpace::test::fast_sim_options;
using llmpace::test::FixedPrompts;
using llmpace::test::relaxed;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

namespace {

/// Tokens 20 ms apart: a 100-token request takes 2 s, far longer than any stop below (and in a
/// sanitized build longer still, as the bounds on the stop are relaxed).
constexpr auto kSlowItl = 20ms;
const auto kSlowTokens = static_cast<std::int64_t>(100 * llmpace::test::kTimingSlack);
/// Cancelled requests end by then; each would take kSlowTokens * kSlowItl to finish.
const auto kPromptly = relaxed(1s);

llmpace::sim::SimOptions slow_sim_options() {
  auto options = fast_sim_options();
  options.itl = kSlowItl;
  return options;
}

/// The number of requests of `result` with `status`.
std::size_t count_of(const llmpace::metrics::BenchmarkResult& result, RequestStatus status) {
  return static_cast<std::size_t>(
      std::count_if(result.records.begin(), result.records.end(),
                    [status](const RequestRecord& record) { return record.status == status; }));
}

/// A simulator whose generation requests fail with HTTP 500 with `probability`, else stream
/// slowly, seeded so that exactly `failing` of the first `first` arrivals fail (the draw is a pure
/// function of the seed and the arrival number, fault_plan.hpp).
std::unique_ptr<llmpace::sim::SimServer> start_mixed_sim(double probability, int first,
                                                         int failing) {
  auto options = slow_sim_options();
  options.faults = {FaultSpec{FaultKind::http_500, probability}};
  for (std::uint64_t seed = 1;; ++seed) {
    const FaultPlan plan(options.faults, seed);
    int drawn = 0;
    for (int n = 0; n < first; ++n) drawn += plan.draw(static_cast<std::uint64_t>(n)) ? 1 : 0;
    if (drawn == failing) {
      options.seed = seed;
      return start_sim(options);
    }
  }
}

}  // namespace

TEST_CASE("a signal ends the benchmark and cancels the requests in flight", "[timing]") {
  const auto sim = start_sim(slow_sim_options());
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 3;
  spec.max_requests = 100;
  auto options = test_runner_options(2);
  options.handle_signals = true;  // as the CLI runs it: SIGINT is caught by the runner
  options.progress_interval = 5ms;
  bool raised = false;
  options.on_progress = [&raised](const ProgressSnapshot& snapshot) {
    // On the coordinator's thread: the signal comes once all three requests are in flight.
    if (!raised && snapshot.in_flight == 3) {
      raised = true;
      std::raise(SIGINT);
    }
  };
  llmpace::engine::Runner runner(target_for(sim->base_url()),
                                 std::make_shared<FixedPrompts>(kSlowTokens), options);
  const auto result = runner.run(spec);

  REQUIRE(raised);
  CHECK(result.stop_reason == StopReason::signal);
  CHECK(result.interrupted);
  CHECK(runner.interrupted());
  REQUIRE(result.records.size() == 3);  // no request starts after the signal
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::incomplete);
    CHECK(record.error_kind == ErrorKind::none);
    CHECK(record.done - result.start < kPromptly);  // not the 2 s the request would take
  }
  CHECK(result.end - result.start < kPromptly);
}

TEST_CASE("a signal during a drain cancels the requests the drain was waiting for", "[timing]") {
  const auto sim = start_sim(slow_sim_options());
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 3;
  spec.max_duration = 300ms;
  spec.drain = true;
  auto options = test_runner_options(2);
  options.handle_signals = true;
  options.progress_interval = 5ms;
  bool raised = false;
  options.on_progress = [&raised](const ProgressSnapshot& snapshot) {
    // Past the time limit the benchmark drains: three 2-s requests still in flight.
    if (!raised && snapshot.elapsed_s > 0.35 && snapshot.in_flight == 3) {
      raised = true;
      std::raise(SIGINT);
    }
  };
  const auto result =
      run_benchmark(target_for(sim->base_url()), spec, options, /*output_tokens=*/kSlowTokens);

  REQUIRE(raised);
  CHECK(result.stop_reason == StopReason::signal);
  CHECK(result.interrupted);
  REQUIRE(result.records.size() == 3);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::incomplete);
    CHECK(record.done - result.start < kPromptly);
  }
  CHECK(result.end - result.start < kPromptly);
}

TEST_CASE("max_errors cancels the requests still in flight", "[timing]") {
  // Of the four streams' first requests one fails at once; the other three would take 2 s.
  const auto sim = start_mixed_sim(0.5, /*first=*/4, /*failing=*/1);
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 4;
  spec.max_errors = 1;
  spec.max_requests = 100;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2),
                                    /*output_tokens=*/kSlowTokens);

  CHECK(result.stop_reason == StopReason::max_errors);
  CHECK_FALSE(result.interrupted);
  CHECK(count_of(result, RequestStatus::successful) == 0);
  CHECK(count_of(result, RequestStatus::errored) >= 1);
  CHECK(count_of(result, RequestStatus::incomplete) >= 1);
  for (const RequestRecord& record : result.records) {
    if (record.status == RequestStatus::errored) CHECK(record.error_kind == ErrorKind::http_status);
    CHECK(record.done - result.start < kPromptly);
  }
  CHECK(result.end - result.start < kPromptly);
}

TEST_CASE("max_error_rate cancels the requests still in flight", "[timing]") {
  // Three of the first four requests fail at once, and most after them; the slow one is cut off
  // when the error rate is judged, after kMinRequestsForErrorRate requests have finished.
  const auto sim = start_mixed_sim(0.9, /*first=*/4, /*failing=*/3);
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 4;
  spec.max_error_rate = 0.5;
  spec.max_requests = 1000;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2),
                                    /*output_tokens=*/kSlowTokens);

  CHECK(result.stop_reason == StopReason::max_error_rate);
  CHECK(count_of(result, RequestStatus::successful) == 0);
  CHECK(count_of(result, RequestStatus::errored) >= llmpace::profile::kMinRequestsForErrorRate);
  CHECK(count_of(result, RequestStatus::incomplete) >= 1);
  for (const RequestRecord& record : result.records) CHECK(record.done - result.start < kPromptly);
  CHECK(result.end - result.start < kPromptly);
}

TEST_CASE("an open-loop time limit stops the schedule and cancels what is in flight", "[timing]") {
  const auto sim = start_sim(slow_sim_options());
  ProfileSpec spec;
  spec.kind = ProfileKind::constant;
  spec.rate_per_s = 10;  // due every 100 ms
  spec.max_duration = 390ms;
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2),
                                    /*output_tokens=*/kSlowTokens);

  CHECK(result.stop_reason == StopReason::max_seconds);
  REQUIRE(result.records.size() == 4);  // due at 0, 100, 200, 300 ms; none after the limit
  for (const RequestRecord& record : result.records) {
    CHECK(record.scheduled - result.start < 390ms);
    CHECK(record.status == RequestStatus::incomplete);
    CHECK(record.done - result.start >= 390ms);
    CHECK(record.done - result.start < kPromptly);
  }
  CHECK(result.end - result.start < kPromptly);
}

TEST_CASE("an open-loop time limit with drain sends nothing more and lets the rest finish",
          "[timing]") {
  auto sim_options = slow_sim_options();
  sim_options.itl = 10ms;
  const auto sim = start_sim(sim_options);
  ProfileSpec spec;
  spec.kind = ProfileKind::constant;
  spec.rate_per_s = 10;
  spec.max_duration = 390ms;
  spec.drain = true;
  // 20 tokens 10 ms apart: each request takes about 200 ms, so the last ends after the limit.
  const auto result = run_benchmark(target_for(sim->base_url()), spec, test_runner_options(2),
                                    /*output_tokens=*/20);

  CHECK(result.stop_reason == StopReason::max_seconds);
  REQUIRE(result.records.size() == 4);  // due at 0, 100, 200, 300 ms
  for (const RequestRecord& record : result.records) {
    CHECK(record.scheduled - result.start < 390ms);
    CHECK(record.status == RequestStatus::successful);
    CHECK(record.output_tokens == 20);
  }
  const TimePoint last_done = std::max_element(result.records.begin(), result.records.end(),
                                               [](const RequestRecord& a, const RequestRecord& b) {
                                                 return a.done < b.done;
                                               })
                                  ->done;
  CHECK(last_done - result.start > 390ms);
  CHECK(result.end >= last_done);  // a drained benchmark ends with its last request
}
