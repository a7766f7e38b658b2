// compute_metrics(): the warmup/cooldown window, dispatch lag, client-limited detection, the
// from-scheduled distributions, sent throughput, dropped arrivals and StopReason names.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::ErrorKind;
using llmpace::ProfileKind;
using llmpace::metrics::BenchmarkResult;
using llmpace::metrics::compute_metrics;
using llmpace::metrics::kClientLimitedDispatchLagP99Ms;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::StopReason;
using llmpace::metrics::WindowPhase;
using llmpace::test::at_ms;
using llmpace::test::errored_record;
using llmpace::test::incomplete_record;
using llmpace::test::result_of;
using llmpace::test::successful_record;

namespace {

RequestRecord in_phase(RequestRecord record, WindowPhase phase) {
  record.phase = phase;
  return record;
}

/// A successful request scheduled at `scheduled_ms` and dispatched (and sent) `lag_ms` later.
RequestRecord dispatched_late(double scheduled_ms, double lag_ms, bool waited_for_slot = false) {
  RequestRecord record = successful_record(scheduled_ms + lag_ms, 5, {scheduled_ms + lag_ms + 10},
                                           scheduled_ms + lag_ms + 20);
  record.scheduled = at_ms(scheduled_ms);
  record.dispatched = at_ms(scheduled_ms + lag_ms);
  record.waited_for_slot = waited_for_slot;
  return record;
}

/// `count` requests one 10 ms apart, each dispatched `lag_ms` late.
std::vector<RequestRecord> lagged(std::size_t count, double lag_ms, bool waited_for_slot = false) {
  std::vector<RequestRecord> records;
  for (std::size_t i = 0; i < count; ++i) {
    records.push_back(dispatched_late(10.0 * static_cast<double>(i), lag_ms, waited_for_slot));
  }
  return records;
}

std::vector<RequestRecord> joined(std::initializer_list<std::vector<RequestRecord>> parts) {
  std::vector<RequestRecord> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Warmup and cooldown

TEST_CASE("compute_metrics: warmup and cooldown requests are counted and left out of the rest",
          "[compute_metrics][window]") {
  // Warmup ends at 100 ms, cooldown starts at 800 ms; the phase follows the start.
  RequestRecord warmup_error = errored_record(0, ErrorKind::connect, 40);
  warmup_error.phase = WindowPhase::warmup;
  // Started in the warmup, ended inside the window: still excluded.
  RequestRecord warmup_crossing = successful_record(90, 5, {400, 410}, 500);
  warmup_crossing.scheduled = at_ms(60);  // send lag 30, would show in send_lag_ms
  warmup_crossing.phase = WindowPhase::warmup;

  // Measured: scheduled at 100, TTFT 30, latency 100, two tokens.
  const RequestRecord m1 = successful_record(100, 10, {130, 140}, 200);
  // Measured: scheduled 300, sent 310 (send lag 10), idle timeout ending last, at 900.
  RequestRecord m2 = errored_record(310, ErrorKind::idle_timeout, 900);
  m2.scheduled = at_ms(300);
  // Measured: started at 700, ended after the cooldown edge (850): still measured.
  const RequestRecord m3 = successful_record(700, 10, {750}, 850);

  RequestRecord cooldown_success = successful_record(800, 5, {990}, 995);
  cooldown_success.phase = WindowPhase::cooldown;
  RequestRecord cooldown_error = errored_record(810, ErrorKind::http_status, 820);
  cooldown_error.phase = WindowPhase::cooldown;
  RequestRecord cooldown_cut = incomplete_record(900, {950}, 1000);
  cooldown_cut.phase = WindowPhase::cooldown;

  const auto metrics = compute_metrics(result_of(
      {warmup_error, warmup_crossing, m1, m2, m3, cooldown_success, cooldown_error, cooldown_cut}));
  CHECK(metrics.requests.warmup == 2);
  CHECK(metrics.requests.cooldown == 3);
  CHECK(metrics.requests.successful == 2);
  CHECK(metrics.requests.errored == 1);
  CHECK(metrics.requests.incomplete == 0);
  CHECK(metrics.requests.total() == 3);
  CHECK(metrics.errors_by_kind == std::map<std::string, std::size_t>{{"idle_timeout", 1}});

  CHECK(metrics.ttft_ms.count == 2);
  CHECK(metrics.ttft_ms.min == 30);
  CHECK(metrics.ttft_ms.max == 50);
  CHECK(metrics.latency_ms.count == 2);
  CHECK(metrics.latency_ms.min == 100);
  CHECK(metrics.latency_ms.max == 150);
  CHECK(metrics.itl_ms.count == 1);
  CHECK(metrics.itl_ms.p50 == 10);
  CHECK(metrics.output_tokens.count == 2);
  CHECK(metrics.send_lag_ms.count == 3);
  CHECK(metrics.send_lag_ms.max == 10);
  CHECK(metrics.ttft_from_scheduled_ms.count == 2);
  CHECK(metrics.latency_from_scheduled_ms.count == 2);
  CHECK(metrics.output_tokens_source == "chunk_count");

  // Duration: first measured scheduled (100) to last measured done (900, m2): 0.8 s.
  CHECK(metrics.duration_s == Approx(0.8));
  CHECK(metrics.throughput.requests_per_s == Approx(2.5));         // 2 / 0.8
  CHECK(metrics.throughput.sent_requests_per_s == Approx(3.75));   // 3 / 0.8
  CHECK(metrics.throughput.output_tokens_per_s == Approx(3.75));   // 3 / 0.8
  CHECK(metrics.throughput.total_tokens_per_s == Approx(253.75));  // (200 + 3) / 0.8
}

TEST_CASE("compute_metrics: without excluded requests the duration is end - start",
          "[compute_metrics][window]") {
  // The records span 100..850, but the benchmark ran 0..1000.
  const auto metrics = compute_metrics(result_of({
      successful_record(100, 10, {130}, 200),
      successful_record(700, 10, {750}, 850),
  }));
  CHECK(metrics.requests.warmup == 0);
  CHECK(metrics.requests.cooldown == 0);
  CHECK(metrics.duration_s == 1);
  CHECK(metrics.throughput.requests_per_s == 2);
}

TEST_CASE("compute_metrics: a warmup alone narrows the duration to the measured requests",
          "[compute_metrics][window]") {
  const auto metrics = compute_metrics(result_of({
      in_phase(successful_record(0, 5, {10}, 20), WindowPhase::warmup),
      successful_record(250, 10, {260}, 300),
      successful_record(500, 10, {600}, 750),
  }));
  CHECK(metrics.requests.warmup == 1);
  CHECK(metrics.requests.cooldown == 0);
  CHECK(metrics.requests.successful == 2);
  CHECK(metrics.duration_s == Approx(0.5));  // 250 -> 750
  CHECK(metrics.throughput.requests_per_s == Approx(4));
}

TEST_CASE("compute_metrics: a cooldown alone narrows the duration to the measured requests",
          "[compute_metrics][window]") {
  const auto metrics = compute_metrics(result_of({
      successful_record(0, 10, {20}, 400),
      successful_record(100, 10, {120}, 200),
      in_phase(successful_record(600, 5, {610}, 990), WindowPhase::cooldown),
  }));
  CHECK(metrics.requests.cooldown == 1);
  CHECK(metrics.requests.successful == 2);
  CHECK(metrics.duration_s == Approx(0.4));  // 0 -> 400, the latest measured end
  CHECK(metrics.throughput.requests_per_s == Approx(5));
}

TEST_CASE("compute_metrics: a window with no measured request gives zero duration and rates",
          "[compute_metrics][window]") {
  const auto metrics = compute_metrics(result_of({
      in_phase(successful_record(0, 5, {10}, 20), WindowPhase::warmup),
      in_phase(successful_record(900, 5, {910}, 920), WindowPhase::cooldown),
  }));
  CHECK(metrics.requests.warmup == 1);
  CHECK(metrics.requests.cooldown == 1);
  CHECK(metrics.requests.total() == 0);
  CHECK(metrics.duration_s == 0);
  CHECK(metrics.throughput.requests_per_s == 0);
  CHECK(metrics.throughput.sent_requests_per_s == 0);
  CHECK(metrics.ttft_ms.count == 0);
  CHECK(metrics.output_tokens_source == "none");
}

// ---------------------------------------------------------------------------------------------
// 2. Dispatch lag and slot waits

TEST_CASE("compute_metrics: dispatch lag is dispatched - scheduled over measured requests",
          "[compute_metrics][dispatch]") {
  RequestRecord errored = errored_record(104, ErrorKind::http_status, 120);
  errored.scheduled = at_ms(100);
  errored.dispatched = at_ms(104);  // lag 4, any status counts
  RequestRecord undispatched;       // never dispatched: no lag
  undispatched.status = RequestStatus::incomplete;
  undispatched.scheduled = at_ms(300);
  undispatched.done = at_ms(310);

  const auto metrics = compute_metrics(result_of({
      dispatched_late(0, 0),
      dispatched_late(10, 2, /*waited_for_slot=*/true),
      errored,
      undispatched,
      in_phase(dispatched_late(400, 50, true), WindowPhase::warmup),
      in_phase(dispatched_late(900, 70, true), WindowPhase::cooldown),
  }));
  CHECK(metrics.dispatch_lag_ms.count == 3);
  CHECK(metrics.dispatch_lag_ms.min == 0);
  CHECK(metrics.dispatch_lag_ms.p50 == 2);
  CHECK(metrics.dispatch_lag_ms.max == 4);
  CHECK(metrics.dispatch_lag_ms.mean == 2);
  CHECK(metrics.requests.waited_for_slot == 1);
}

TEST_CASE("compute_metrics: dispatch lag is fractional milliseconds",
          "[compute_metrics][dispatch]") {
  const auto metrics = compute_metrics(result_of({dispatched_late(0, 0.25)}));
  CHECK(metrics.dispatch_lag_ms.count == 1);
  CHECK(metrics.dispatch_lag_ms.p50 == Approx(0.25));
  CHECK(metrics.requests.waited_for_slot == 0);
}

// ---------------------------------------------------------------------------------------------
// 3. Client-limited detection

TEST_CASE("compute_metrics: a paced benchmark on schedule is not client-limited",
          "[compute_metrics][client_limited]") {
  const auto metrics = compute_metrics(result_of(lagged(20, 0.1), 1000, ProfileKind::constant));
  CHECK(metrics.dispatch_lag_ms.p99 == Approx(0.1));
  CHECK_FALSE(metrics.client_limited);
}

TEST_CASE("compute_metrics: a paced benchmark behind schedule is client-limited",
          "[compute_metrics][client_limited]") {
  CHECK(compute_metrics(result_of(lagged(20, 5), 1000, ProfileKind::constant)).client_limited);
  CHECK(compute_metrics(result_of(lagged(20, 5), 1000, ProfileKind::poisson)).client_limited);
}

TEST_CASE("compute_metrics: only constant and poisson can be client-limited",
          "[compute_metrics][client_limited]") {
  for (const ProfileKind profile : {ProfileKind::throughput, ProfileKind::concurrent,
                                    ProfileKind::synchronous, ProfileKind::replay}) {
    INFO("profile " << to_string(profile));
    const auto metrics = compute_metrics(result_of(lagged(20, 5), 1000, profile));
    CHECK(metrics.dispatch_lag_ms.p99 == Approx(5));
    CHECK_FALSE(metrics.client_limited);
  }
}

TEST_CASE(
    "compute_metrics: lag of requests that waited for a slot does not make a benchmark "
    "client-limited",
    "[compute_metrics][client_limited]") {
  const auto metrics = compute_metrics(
      result_of(joined({lagged(10, 0.1), lagged(10, 5, /*waited_for_slot=*/true)}), 1000));
  CHECK(metrics.requests.waited_for_slot == 10);
  CHECK(metrics.dispatch_lag_ms.p99 == Approx(5));  // all requests: large
  CHECK_FALSE(metrics.client_limited);              // unqueued requests: on schedule
}

TEST_CASE("compute_metrics: only slot-waiting requests give no evidence of a client limit",
          "[compute_metrics][client_limited]") {
  const auto metrics = compute_metrics(result_of(lagged(10, 5, /*waited_for_slot=*/true), 1000));
  CHECK(metrics.dispatch_lag_ms.count == 10);
  CHECK_FALSE(metrics.client_limited);
}

TEST_CASE("compute_metrics: warmup and cooldown lag does not make a benchmark client-limited",
          "[compute_metrics][client_limited]") {
  std::vector<RequestRecord> records = lagged(10, 0.1);
  for (RequestRecord& record : lagged(5, 20)) {
    records.push_back(in_phase(record, WindowPhase::warmup));
  }
  for (RequestRecord& record : lagged(5, 20)) {
    records.push_back(in_phase(record, WindowPhase::cooldown));
  }
  const auto metrics = compute_metrics(result_of(records, 1000));
  CHECK(metrics.dispatch_lag_ms.count == 10);
  CHECK_FALSE(metrics.client_limited);
}

TEST_CASE("compute_metrics: client-limited compares the interpolated p99 against the threshold",
          "[compute_metrics][client_limited]") {
  REQUIRE(kClientLimitedDispatchLagP99Ms == 1.0);
  SECTION("exactly at the threshold is not client-limited") {
    CHECK_FALSE(compute_metrics(result_of(lagged(20, 1.0))).client_limited);
  }
  SECTION("just above the threshold is client-limited") {
    CHECK(compute_metrics(result_of(lagged(20, 1.001))).client_limited);
  }
  SECTION("one outlier among 101 leaves p99 on the bulk") {
    // Sorted: 100 x 0.5 then 10; rank 100 * 0.99 = 99 lands on the last 0.5.
    const auto metrics = compute_metrics(result_of(joined({lagged(100, 0.5), lagged(1, 10)})));
    CHECK(metrics.dispatch_lag_ms.max == Approx(10));
    CHECK(metrics.dispatch_lag_ms.p99 == Approx(0.5));
    CHECK_FALSE(metrics.client_limited);
  }
  SECTION("one outlier among 10 pulls the interpolated p99 over") {
    // Sorted: 9 x 0 then 10; rank 9 * 0.99 = 8.91 -> 0 + 0.91 * 10 = 9.1.
    const auto metrics = compute_metrics(result_of(joined({lagged(9, 0), lagged(1, 10)})));
    CHECK(metrics.dispatch_lag_ms.p50 == 0);
    CHECK(metrics.dispatch_lag_ms.p99 == Approx(9.1));
    CHECK(metrics.client_limited);
  }
  SECTION("interpolation between two samples") {
    // {0.5, 1.6}: p99 = 0.5 + 0.99 * 1.1 = 1.589 > 1 although the mean is 1.05.
    const auto metrics = compute_metrics(result_of(joined({lagged(1, 0.5), lagged(1, 1.6)})));
    CHECK(metrics.dispatch_lag_ms.p99 == Approx(1.589));
    CHECK(metrics.client_limited);
  }
}

TEST_CASE("compute_metrics: without dispatch times nothing is client-limited",
          "[compute_metrics][client_limited]") {
  // successful_record sets no dispatch time.
  const auto metrics = compute_metrics(result_of({successful_record(0, 5, {10}, 20)}));
  CHECK(metrics.dispatch_lag_ms.count == 0);
  CHECK_FALSE(metrics.client_limited);
}

// ---------------------------------------------------------------------------------------------
// 4. Distributions from the scheduled time

TEST_CASE("compute_metrics: from-scheduled TTFT and latency add the send lag",
          "[compute_metrics][scheduled]") {
  std::vector<RequestRecord> records{
      successful_record(30, 10, {80, 90}, 130),    // TTFT 50, latency 100
      successful_record(230, 10, {250}, 330),      // TTFT 20, latency 100
      successful_record(430, 10, {470, 480}, 560)  // TTFT 40, latency 130
  };
  for (RequestRecord& record : records) record.scheduled = record.sent - llmpace::from_ms(30);

  // Neither errored, incomplete nor excluded requests feed these distributions.
  RequestRecord cut = incomplete_record(630, {700}, 800);
  cut.scheduled = at_ms(600);
  RequestRecord failed = errored_record(830, ErrorKind::stream_error, 840);
  failed.scheduled = at_ms(800);
  failed.first_token = at_ms(835);
  RequestRecord warm = in_phase(successful_record(5, 5, {500}, 600), WindowPhase::warmup);
  warm.scheduled = at_ms(0);
  records.push_back(cut);
  records.push_back(failed);
  records.push_back(warm);

  const auto metrics = compute_metrics(result_of(records));
  CHECK(metrics.send_lag_ms.count == 5);
  CHECK(metrics.send_lag_ms.min == Approx(30));
  CHECK(metrics.send_lag_ms.max == Approx(30));

  CHECK(metrics.ttft_ms.count == 3);
  CHECK(metrics.ttft_from_scheduled_ms.count == 3);
  CHECK(metrics.ttft_ms.min == Approx(20));
  CHECK(metrics.ttft_ms.p50 == Approx(40));
  CHECK(metrics.ttft_ms.max == Approx(50));
  CHECK(metrics.ttft_from_scheduled_ms.min == Approx(metrics.ttft_ms.min + 30));
  CHECK(metrics.ttft_from_scheduled_ms.p50 == Approx(metrics.ttft_ms.p50 + 30));
  CHECK(metrics.ttft_from_scheduled_ms.max == Approx(metrics.ttft_ms.max + 30));
  CHECK(metrics.ttft_from_scheduled_ms.mean == Approx(metrics.ttft_ms.mean + 30));

  CHECK(metrics.latency_ms.count == 3);
  CHECK(metrics.latency_from_scheduled_ms.count == 3);
  CHECK(metrics.latency_ms.min == Approx(100));
  CHECK(metrics.latency_ms.max == Approx(130));
  CHECK(metrics.latency_from_scheduled_ms.min == Approx(130));
  CHECK(metrics.latency_from_scheduled_ms.p50 == Approx(metrics.latency_ms.p50 + 30));
  CHECK(metrics.latency_from_scheduled_ms.max == Approx(160));
  CHECK(metrics.latency_from_scheduled_ms.mean == Approx(metrics.latency_ms.mean + 30));
}

TEST_CASE("compute_metrics: without send lag the from-scheduled distributions equal the others",
          "[compute_metrics][scheduled]") {
  const auto metrics = compute_metrics(result_of({
      successful_record(0, 10, {40}, 60),
      successful_record(100, 10, {120}, 190),
  }));
  CHECK(metrics.ttft_from_scheduled_ms.min == metrics.ttft_ms.min);
  CHECK(metrics.ttft_from_scheduled_ms.max == metrics.ttft_ms.max);
  CHECK(metrics.latency_from_scheduled_ms.min == metrics.latency_ms.min);
  CHECK(metrics.latency_from_scheduled_ms.max == metrics.latency_ms.max);
}

// ---------------------------------------------------------------------------------------------
// 5. Sent throughput and dropped arrivals

TEST_CASE("compute_metrics: sent throughput counts every measured request that was sent",
          "[compute_metrics][throughput]") {
  RequestRecord never_sent;  // connect refused: scheduled, never sent
  never_sent.status = RequestStatus::errored;
  never_sent.error_kind = ErrorKind::connect;
  never_sent.scheduled = at_ms(500);
  never_sent.done = at_ms(510);
  RequestRecord unsent_cut;  // stopped before it left
  unsent_cut.status = RequestStatus::incomplete;
  unsent_cut.scheduled = at_ms(1900);
  unsent_cut.done = at_ms(2000);

  const auto metrics = compute_metrics(result_of(
      {
          successful_record(0, 10, {20}, 30),
          errored_record(100, ErrorKind::http_status, 110),
          incomplete_record(1500, {1600}, 2000),
          never_sent,
          unsent_cut,
      },
      2000));
  CHECK(metrics.duration_s == 2);
  CHECK(metrics.requests.total() == 5);
  CHECK(metrics.throughput.sent_requests_per_s == 1.5);  // 3 sent / 2 s
  CHECK(metrics.throughput.requests_per_s == 0.5);       // 1 successful / 2 s
}

TEST_CASE("compute_metrics: dropped arrivals are passed through, not counted as requests",
          "[compute_metrics][throughput]") {
  auto result = result_of({successful_record(0, 10, {20}, 30)});
  result.dropped = 7;
  const auto metrics = compute_metrics(result);
  CHECK(metrics.requests.dropped == 7);
  CHECK(metrics.requests.total() == 1);
  CHECK(metrics.throughput.sent_requests_per_s == 1);

  CHECK(compute_metrics(result_of({})).requests.dropped == 0);
}

// ---------------------------------------------------------------------------------------------
// 6. StopReason names

TEST_CASE("to_string(StopReason) names every stop reason", "[stop_reason]") {
  using llmpace::metrics::to_string;
  CHECK(to_string(StopReason::requests_done) == "requests_done");
  CHECK(to_string(StopReason::max_seconds) == "max_seconds");
  CHECK(to_string(StopReason::max_errors) == "max_errors");
  CHECK(to_string(StopReason::max_error_rate) == "max_error_rate");
  CHECK(to_string(StopReason::signal) == "signal");
}
