#include <catch2/catch.hpp>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::ErrorKind;
using llmpace::Seconds;
using llmpace::TimePoint;
using llmpace::metrics::BenchmarkResult;
using llmpace::metrics::compute_metrics;
using llmpace::metrics::RequestRecord;
using llmpace::test::at_ms;
using llmpace::test::errored_record;
using llmpace::test::incomplete_record;
using llmpace::test::result_of;
using llmpace::test::successful_record;
using llmpace::test::with_usage;

TEST_CASE("compute_metrics: one-token outputs have TTFT and latency but no ITL, ITL mean or TPOT",
          "[compute_metrics]") {
  const auto metrics = compute_metrics(result_of({
      successful_record(0, 20, {50}, 60),
      successful_record(100, 10, {130}, 140),
  }));
  CHECK(metrics.requests.successful == 2);
  CHECK(metrics.ttft_ms.count == 2);
  CHECK(metrics.ttft_ms.min == 30);
  CHECK(metrics.ttft_ms.max == 50);
  CHECK(metrics.ttfb_ms.p50 == 15);
  CHECK(metrics.latency_ms.mean == 50);
  CHECK(metrics.itl_ms.count == 0);
  CHECK(metrics.itl_mean_ms.count == 0);
  CHECK(metrics.tpot_ms.count == 0);
  CHECK(metrics.output_tokens.mean == 1);
}

TEST_CASE("compute_metrics: ITL pools every chunk gap, ITL mean and TPOT are per request",
          "[compute_metrics]") {
  const auto metrics = compute_metrics(result_of({
      // gaps 10, 20, 30; ITL mean (160 - 100) / 3 = 20; TPOT (170 - 100) / 3 = 23.33
      successful_record(0, 50, {100, 110, 130, 160}, 170),
      // gap 40; ITL mean 40 / 1 = 40; TPOT (350 - 300) / 1 = 50
      successful_record(200, 50, {300, 340}, 350),
  }));
  CHECK(metrics.itl_ms.count == 4);
  CHECK(metrics.itl_ms.min == 10);
  CHECK(metrics.itl_ms.max == 40);
  CHECK(metrics.itl_ms.mean == 25);
  CHECK(metrics.itl_ms.p50 == 25);  // {10, 20, 30, 40}
  CHECK(metrics.itl_mean_ms.count == 2);
  CHECK(metrics.itl_mean_ms.min == 20);
  CHECK(metrics.itl_mean_ms.max == 40);
  CHECK(metrics.tpot_ms.count == 2);
  CHECK(metrics.tpot_ms.min == Approx(70.0 / 3));
  CHECK(metrics.tpot_ms.max == 50);
  CHECK(metrics.ttft_ms.p50 == 100);
  CHECK(metrics.latency_ms.min == 150);
  CHECK(metrics.latency_ms.max == 170);
}

TEST_CASE(
    "compute_metrics: ITL mean and TPOT divide by the server's token count, ITL stays per chunk",
    "[compute_metrics]") {
  // Seven tokens in four chunks: ITL mean (160 - 100) / 6 = 10, TPOT (170 - 100) / 6, and ITL
  // sees three slow gaps.
  const auto metrics = compute_metrics(
      result_of({with_usage(successful_record(0, 50, {100, 110, 130, 160}, 170), 7)}));
  CHECK(metrics.itl_mean_ms.p50 == 10);
  CHECK(metrics.tpot_ms.p50 == Approx(70.0 / 6));
  CHECK(metrics.itl_ms.count == 3);
  CHECK(metrics.output_tokens.p50 == 7);
}

TEST_CASE("compute_metrics: many tokens in one chunk give no ITL mean but a TPOT",
          "[compute_metrics]") {
  // Five tokens in one chunk at 40, stream done at 50: no spacing between tokens is visible,
  // but vLLM's TPOT is (50 - 40) / 4.
  const auto metrics =
      compute_metrics(result_of({with_usage(successful_record(0, 5, {40}, 50), 5)}));
  CHECK(metrics.itl_mean_ms.count == 0);
  CHECK(metrics.tpot_ms.p50 == 2.5);
  CHECK(metrics.itl_ms.count == 0);
  CHECK(metrics.ttft_ms.p50 == 40);
}

TEST_CASE("compute_metrics: a reasoning-only stream is measured like content",
          "[compute_metrics]") {
  // The decoder marks chunks carrying reasoning text as token chunks; a reasoning model whose
  // whole answer is reasoning has a first token at its first reasoning chunk.
  RequestRecord record = successful_record(0, 5, {25, 35, 45}, 50);
  record.finish_reason = "stop";
  const auto metrics = compute_metrics(result_of({record}));
  CHECK(metrics.ttft_ms.p50 == 25);
  CHECK(metrics.itl_ms.count == 2);
  CHECK(metrics.itl_mean_ms.p50 == 10);
  CHECK(metrics.tpot_ms.p50 == 12.5);  // (50 - 25) / 2
}

TEST_CASE("compute_metrics: a successful request without a token is skipped for TTFT only",
          "[compute_metrics]") {
  RequestRecord empty = successful_record(0, 5, {}, 30);
  const auto metrics = compute_metrics(result_of({empty, successful_record(0, 5, {20}, 40)}));
  CHECK(metrics.requests.successful == 2);
  CHECK(metrics.ttft_ms.count == 1);
  CHECK(metrics.ttfb_ms.count == 2);
  CHECK(metrics.latency_ms.count == 2);
  CHECK(metrics.output_tokens.count == 2);
  CHECK(metrics.output_tokens.min == 0);
}

TEST_CASE("compute_metrics: errored and incomplete requests are counted, not measured",
          "[compute_metrics]") {
  RequestRecord never_sent;  // connect refused: no send time at all
  never_sent.status = llmpace::metrics::RequestStatus::errored;
  never_sent.error_kind = ErrorKind::connect;
  never_sent.scheduled = at_ms(300);
  never_sent.done = at_ms(301);

  const auto metrics = compute_metrics(result_of({
      successful_record(0, 10, {20, 30}, 40),
      errored_record(100, ErrorKind::http_status, 110),
      errored_record(120, ErrorKind::http_status, 125),
      errored_record(130, ErrorKind::idle_timeout, 900),
      never_sent,
      incomplete_record(200, {250, 260, 270}, 1000),
  }));
  CHECK(metrics.requests.successful == 1);
  CHECK(metrics.requests.errored == 4);
  CHECK(metrics.requests.incomplete == 1);
  CHECK(metrics.requests.total() == 6);
  CHECK(metrics.errors_by_kind == std::map<std::string, std::size_t>{
                                      {"connect", 1}, {"http_status", 2}, {"idle_timeout", 1}});
  // Only the successful request feeds the distributions.
  CHECK(metrics.ttft_ms.count == 1);
  CHECK(metrics.itl_ms.count == 1);
  CHECK(metrics.latency_ms.count == 1);
  CHECK(metrics.latency_ms.p50 == 40);
  CHECK(metrics.output_tokens.count == 1);
  CHECK(metrics.throughput.requests_per_s == 1);
  CHECK(metrics.throughput.output_tokens_per_s == 2);
}

TEST_CASE("compute_metrics: send lag covers every request that was sent", "[compute_metrics]") {
  RequestRecord late = successful_record(10, 5, {20}, 30);
  late.scheduled = at_ms(4);  // sent 6 ms late
  RequestRecord late_error = errored_record(50, ErrorKind::http_status, 60);
  late_error.scheduled = at_ms(48);  // 2 ms late
  RequestRecord never_sent;
  never_sent.status = llmpace::metrics::RequestStatus::incomplete;
  never_sent.scheduled = at_ms(70);

  const auto metrics = compute_metrics(
      result_of({late, late_error, never_sent, successful_record(80, 5, {90}, 95)}));
  CHECK(metrics.send_lag_ms.count == 3);
  CHECK(metrics.send_lag_ms.max == 6);
  CHECK(metrics.send_lag_ms.min == 0);
  CHECK(metrics.send_lag_ms.p50 == 2);
}

TEST_CASE("compute_metrics: throughput is successful work over the benchmark duration",
          "[compute_metrics]") {
  std::vector<RequestRecord> records{
      with_usage(successful_record(0, 5, {10, 20}, 30), 10),
      with_usage(successful_record(0, 5, {10, 20}, 30), 20),
      with_usage(successful_record(0, 5, {10, 20}, 30), 30),
      errored_record(0, ErrorKind::stream_error, 30),
  };
  records[1].prompt_tokens = 200;
  const auto metrics = compute_metrics(result_of(records, 2000));
  CHECK(metrics.duration_s == 2);
  CHECK(metrics.throughput.requests_per_s == 1.5);      // 3 / 2 s
  CHECK(metrics.throughput.output_tokens_per_s == 30);  // 60 / 2 s
  CHECK(metrics.throughput.total_tokens_per_s == 230);  // (400 + 60) / 2 s
  CHECK(metrics.prompt_tokens.mean == Approx(400.0 / 3.0));
}

TEST_CASE("compute_metrics: a zero or negative duration gives zero rates", "[compute_metrics]") {
  auto result = result_of({successful_record(0, 5, {10}, 20)}, 0);
  auto metrics = compute_metrics(result);
  CHECK(metrics.duration_s == 0);
  CHECK(metrics.throughput.requests_per_s == 0);
  CHECK(metrics.throughput.output_tokens_per_s == 0);
  CHECK(metrics.throughput.total_tokens_per_s == 0);

  result.end = at_ms(-5);
  metrics = compute_metrics(result);
  CHECK(metrics.duration_s == 0);
  CHECK(metrics.throughput.requests_per_s == 0);
}

TEST_CASE("compute_metrics: output token source says where the counts came from",
          "[compute_metrics]") {
  const RequestRecord counted = successful_record(0, 5, {10, 20}, 30);
  const RequestRecord usage = with_usage(counted, 2);
  CHECK(compute_metrics(result_of({usage, usage})).output_tokens_source == "server_usage");
  CHECK(compute_metrics(result_of({counted, counted})).output_tokens_source == "chunk_count");
  CHECK(compute_metrics(result_of({usage, counted})).output_tokens_source == "mixed");
  CHECK(compute_metrics(result_of({})).output_tokens_source == "none");
  // Errored requests do not vote.
  CHECK(compute_metrics(result_of({usage, errored_record(0, ErrorKind::protocol, 5)}))
            .output_tokens_source == "server_usage");
}

TEST_CASE("compute_metrics: an empty benchmark has zero counts and empty summaries",
          "[compute_metrics]") {
  const auto metrics = compute_metrics(result_of({}));
  CHECK(metrics.duration_s == 1);
  CHECK(metrics.requests.total() == 0);
  CHECK(metrics.errors_by_kind.empty());
  CHECK(metrics.ttft_ms.count == 0);
  CHECK(metrics.send_lag_ms.count == 0);
  CHECK(metrics.throughput.requests_per_s == 0);
}

TEST_CASE("compute_metrics: a stream that fails midway adds no TTFT, ITL or tokens",
          "[compute_metrics]") {
  // Three tokens arrived, then the server closed the connection: an error, not a measurement.
  RequestRecord broken = successful_record(0, 10, {40, 50, 60}, 70);
  broken.status = llmpace::metrics::RequestStatus::errored;
  broken.error_kind = ErrorKind::connection_closed;
  const auto metrics = compute_metrics(result_of({broken, successful_record(0, 10, {30}, 35)}));
  CHECK(metrics.requests.errored == 1);
  CHECK(metrics.errors_by_kind.at("connection_closed") == 1);
  CHECK(metrics.ttft_ms.count == 1);
  CHECK(metrics.ttft_ms.p50 == 30);
  CHECK(metrics.itl_ms.count == 0);
  CHECK(metrics.output_tokens.count == 1);
  CHECK(metrics.throughput.output_tokens_per_s == 1);
  CHECK(metrics.send_lag_ms.count == 2);  // lateness counts for every request sent
}
