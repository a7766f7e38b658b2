// BenchmarkMetrics::incomplete: what requests cancelled by the benchmark's stop had measured,
// apart from the successful requests (docs/metrics.md#incomplete-requests).
#include <catch2/catch.hpp>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::ErrorKind;
using llmpace::metrics::compute_metrics;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::metrics::WindowPhase;
using llmpace::test::at_ms;
using llmpace::test::errored_record;
using llmpace::test::incomplete_record;
using llmpace::test::result_of;
using llmpace::test::successful_record;

TEST_CASE("incomplete figures: TTFT and chunk gaps of those with a token, the wait of the others",
          "[compute_metrics][incomplete]") {
  RequestRecord never_sent;  // cancelled while connecting: nothing measured
  never_sent.status = RequestStatus::incomplete;
  never_sent.scheduled = at_ms(5);
  never_sent.done = at_ms(1000);

  const auto metrics = compute_metrics(result_of({
      incomplete_record(0, {300, 310, 330, 360}, 1000),  // TTFT 300, gaps 10 20 30, 4 chunks
      incomplete_record(100, {600}, 1000),               // TTFT 500, one token: no gap
      incomplete_record(200, {}, 1000),                  // no token: waited 800
      incomplete_record(400, {}, 1000),                  // no token: waited 600
      never_sent,
  }));
  CHECK(metrics.requests.incomplete == 5);
  CHECK(metrics.requests.successful == 0);
  const auto& incomplete = metrics.incomplete;
  CHECK(incomplete.with_first_token == 2);
  CHECK(incomplete.ttft_ms.count == 2);
  CHECK(incomplete.ttft_ms.min == 300);
  CHECK(incomplete.ttft_ms.max == 500);
  CHECK(incomplete.ttft_ms.p50 == 400);
  CHECK(incomplete.itl_ms.count == 3);
  CHECK(incomplete.itl_ms.min == 10);
  CHECK(incomplete.itl_ms.max == 30);
  CHECK(incomplete.itl_ms.p50 == 20);
  CHECK(incomplete.waited_ms.count == 2);
  CHECK(incomplete.waited_ms.min == 600);
  CHECK(incomplete.waited_ms.max == 800);
  CHECK(incomplete.token_chunks.count == 2);
  CHECK(incomplete.token_chunks.min == 1);
  CHECK(incomplete.token_chunks.max == 4);
  // Nothing of theirs reaches the successful requests' distributions.
  CHECK(metrics.ttft_ms.count == 0);
  CHECK(metrics.itl_ms.count == 0);
  CHECK(metrics.latency_ms.count == 0);
  CHECK(metrics.output_tokens.count == 0);
  CHECK(metrics.throughput.output_tokens_per_s == 0);
}

TEST_CASE("incomplete figures: successful and errored requests add nothing to them",
          "[compute_metrics][incomplete]") {
  const auto metrics = compute_metrics(result_of({
      successful_record(0, 10, {20, 30}, 40),
      errored_record(100, ErrorKind::idle_timeout, 900),
      incomplete_record(200, {250, 290}, 1000),
  }));
  CHECK(metrics.incomplete.with_first_token == 1);
  CHECK(metrics.incomplete.ttft_ms.count == 1);
  CHECK(metrics.incomplete.ttft_ms.p50 == 50);
  CHECK(metrics.incomplete.itl_ms.count == 1);
  CHECK(metrics.incomplete.itl_ms.p50 == 40);
  CHECK(metrics.incomplete.waited_ms.count == 0);  // the errored request waited too, but ended
  // And the successful request's figures are its own.
  CHECK(metrics.ttft_ms.count == 1);
  CHECK(metrics.ttft_ms.p50 == 20);
  CHECK(metrics.itl_ms.count == 1);
  CHECK(metrics.itl_ms.p50 == 10);
}

TEST_CASE("incomplete figures: warmup and cooldown requests are left out",
          "[compute_metrics][incomplete]") {
  RequestRecord warmup_cut = incomplete_record(0, {20, 25}, 1000);
  warmup_cut.phase = WindowPhase::warmup;
  RequestRecord warmup_waiting = incomplete_record(1, {}, 1000);
  warmup_waiting.phase = WindowPhase::warmup;
  RequestRecord cooldown_cut = incomplete_record(900, {950, 960}, 1000);
  cooldown_cut.phase = WindowPhase::cooldown;
  RequestRecord cooldown_waiting = incomplete_record(901, {}, 1000);
  cooldown_waiting.phase = WindowPhase::cooldown;

  const auto metrics = compute_metrics(result_of({
      warmup_cut,
      warmup_waiting,
      incomplete_record(500, {700, 710}, 1000),
      incomplete_record(600, {}, 1000),
      cooldown_cut,
      cooldown_waiting,
  }));
  CHECK(metrics.requests.incomplete == 2);
  CHECK(metrics.incomplete.with_first_token == 1);
  CHECK(metrics.incomplete.ttft_ms.count == 1);
  CHECK(metrics.incomplete.ttft_ms.p50 == 200);
  CHECK(metrics.incomplete.itl_ms.count == 1);
  CHECK(metrics.incomplete.itl_ms.p50 == 10);
  CHECK(metrics.incomplete.waited_ms.count == 1);
  CHECK(metrics.incomplete.waited_ms.p50 == 400);
  CHECK(metrics.incomplete.token_chunks.count == 1);
}

TEST_CASE("incomplete figures: empty when every request succeeded",
          "[compute_metrics][incomplete]") {
  const auto metrics = compute_metrics(result_of({successful_record(0, 10, {20, 30}, 40)}));
  CHECK(metrics.incomplete.with_first_token == 0);
  CHECK(metrics.incomplete.ttft_ms.count == 0);
  CHECK(metrics.incomplete.itl_ms.count == 0);
  CHECK(metrics.incomplete.waited_ms.count == 0);
  CHECK(metrics.incomplete.token_chunks.count == 0);
}
