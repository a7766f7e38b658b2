#include "llmpace/telemetry/telemetry_summary.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "llmpace/telemetry/readings.hpp"
#include "llmpace/telemetry/telemetry_json.hpp"
#include "unit/telemetry/exposition_builder.hpp"

using llmpace::telemetry::EndpointRole;
using llmpace::telemetry::EndpointStatus;
using llmpace::telemetry::GpuPoint;
using llmpace::telemetry::GpuReading;
using llmpace::telemetry::HistogramReading;
using llmpace::telemetry::ServerFlavor;
using llmpace::telemetry::ServerPoint;
using llmpace::telemetry::ServerReading;
using llmpace::telemetry::summarise_telemetry;
using llmpace::telemetry::TelemetryCapture;
using llmpace::telemetry::TelemetrySummary;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

ServerPoint server_point(double t_s, ServerReading reading = {}) {
  if (reading.flavor == ServerFlavor::unknown) reading.flavor = ServerFlavor::vllm;
  return {t_s, std::move(reading)};
}

ServerPoint running_at(double t_s, double running) {
  ServerReading reading;
  reading.requests_running = running;
  return server_point(t_s, reading);
}

HistogramReading histogram(std::vector<double> bounds, std::vector<double> cumulative, double sum) {
  HistogramReading reading;
  reading.upper_bounds = std::move(bounds);
  reading.cumulative_counts = std::move(cumulative);
  reading.sum = sum;
  reading.count = reading.cumulative_counts.back();
  return reading;
}

bool contains(const std::vector<std::string>& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& notes) {
  std::string all;
  for (const std::string& note : notes) all += note + "\n";
  return all;
}

/// Every number of the JSON is finite, and non-negative except the series' times.
void check_no_bad_number(const nlohmann::json& value, const std::string& path) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) check_no_bad_number(child, path + "." + key);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_no_bad_number(value[i], path + "[" + std::to_string(i) + "]");
    }
  } else if (value.is_number()) {
    INFO(path);
    CHECK(std::isfinite(value.get<double>()));
    if (path.find(".series.t_s") == std::string::npos) CHECK(value.get<double>() >= 0.0);
  }
}

}  // namespace

TEST_CASE("summary: a gauge is weighted by the time each reading holds", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  capture.server = {running_at(-0.5, 0), running_at(2, 10), running_at(6, 4),
                    running_at(12, 100)};  // the baseline and a reading after the end: unused
  const TelemetrySummary summary = summarise_telemetry(capture);
  REQUIRE(summary.server);
  REQUIRE(summary.server->requests_running);
  const auto& running = *summary.server->requests_running;
  // Each reading describes the time since the one before: 10 over [0, 2], 4 over (2, 6] and,
  // the last inside, on to 10.
  CHECK(running.mean == Approx((10 * 2 + 4 * 8) / 10.0));
  CHECK(running.max == 10);
  CHECK(running.p95 == 10);  // 4 holds 8 s of 10, less than 95 %
  CHECK(running.readings == 2);
}

TEST_CASE("summary: p95 is the value held at least 95 % of the time", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 100;
  capture.server = {running_at(-1, 7), running_at(1, 1), running_at(96, 1), running_at(97, 50),
                    running_at(98, 1)};
  const TelemetrySummary summarised = summarise_telemetry(capture);
  const auto& running = *summarised.server->requests_running;
  CHECK(running.p95 == 1);  // 50 holds (96, 97], 1 the other 99 s of 100
  CHECK(running.max == 50);
  CHECK(running.mean == Approx((1 * 99 + 50 * 1) / 100.0));
}

TEST_CASE("summary: without a baseline the gauge still covers the window from 0", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  capture.server = {running_at(2, 8), running_at(6, 0)};
  const TelemetrySummary summary = summarise_telemetry(capture);
  CHECK(summary.server->requests_running->mean == Approx((8 * 2 + 0 * 8) / 10.0));
  CHECK(contains(summary.notes, "no scrape before the start"));
  CHECK(contains(summary.notes, "at 2.0 s"));
}

TEST_CASE("summary: counters from the baseline to the last reading", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  std::vector<double> values{100, 150, 300};
  std::vector<double> times{-1, 5, 10.5};
  SECTION("increase and rate over the benchmark's part the readings span") {
    for (std::size_t i = 0; i < values.size(); ++i) {
      ServerReading reading;
      reading.generation_tokens_total = values[i];
      capture.server.push_back(server_point(times[i], reading));
    }
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& tokens = *summarised.server->generation_tokens;
    CHECK(tokens.delta == 200);
    CHECK(tokens.per_s == Approx(200 / 10.0));  // [0, 10] covered
    CHECK_FALSE(tokens.reset);
  }
  SECTION("the last reading before the end: the rate over the part covered") {
    for (std::size_t i = 0; i < 2; ++i) {
      ServerReading reading;
      reading.generation_tokens_total = values[i];
      capture.server.push_back(server_point(times[i], reading));
    }
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& tokens = *summarised.server->generation_tokens;
    CHECK(tokens.delta == 50);
    CHECK(tokens.per_s == Approx(50 / 5.0));
  }
  SECTION("a reset (server restart) is counted from zero after it") {
    // 100 -> 150 (+50) -> 20 (reset: +20) -> 60 (+40)
    const std::vector<double> with_reset{100, 150, 20, 60};
    const std::vector<double> at{-1, 3, 6, 9};
    for (std::size_t i = 0; i < with_reset.size(); ++i) {
      ServerReading reading;
      reading.preemptions_total = with_reset[i];
      capture.server.push_back(server_point(at[i], reading));
    }
    const TelemetrySummary summary = summarise_telemetry(capture);
    const auto& preemptions = *summary.server->preemptions;
    CHECK(preemptions.delta == 110);
    CHECK(preemptions.reset);
    CHECK(preemptions.per_s == Approx(110 / 9.0));
    CHECK(contains(summary.notes, "preemptions went down during the benchmark"));
  }
}

TEST_CASE("summary: the prefix cache hit rate over the benchmark", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  ServerReading before;
  before.prefix_cache_queries_total = 1000;
  before.prefix_cache_hits_total = 900;  // before the benchmark: not counted
  ServerReading after;
  after.prefix_cache_queries_total = 1400;
  after.prefix_cache_hits_total = 1000;
  capture.server = {server_point(-1, before), server_point(10, after)};
  CHECK(summarise_telemetry(capture).server->prefix_cache_hit_rate == Approx(100 / 400.0));

  ServerReading idle = before;
  capture.server = {server_point(-1, before), server_point(10, idle)};
  CHECK_FALSE(summarise_telemetry(capture).server->prefix_cache_hit_rate);  // no query
}

TEST_CASE("summary: histogram increases and their quantiles, as histogram_quantile", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  const std::vector<double> bounds{0.1, 0.5, 1.0, kInf};
  ServerReading baseline;
  baseline.ttft_seconds = histogram(bounds, {1, 2, 2, 2}, 0.3);
  ServerReading last;
  SECTION("inside finite buckets") {
    // Increase per bucket: 10, 30, 10, 0 -> cumulative 10, 40, 50, 50.
    last.ttft_seconds = histogram(bounds, {11, 42, 52, 52}, 20.3);
    capture.server = {server_point(-1, baseline), server_point(10, last)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    CHECK(ttft.count == 50);
    CHECK(ttft.mean_ms == Approx(20.0 / 50 * 1000));
    CHECK_FALSE(ttft.reset);
    REQUIRE(ttft.p50);
    // rank 25: bucket (0.1, 0.5], 15 of its 30 -> 0.1 + 0.4 * 0.5.
    CHECK(ttft.p50->value_ms == Approx(300));
    CHECK(ttft.p50->bucket_low_ms == Approx(100));
    CHECK(ttft.p50->bucket_high_ms == Approx(500));
    // rank 45: bucket (0.5, 1], 5 of its 10.
    CHECK(ttft.p90->value_ms == Approx(750));
    // rank 49.5: bucket (0.5, 1], 9.5 of 10.
    CHECK(ttft.p99->value_ms == Approx(975));
  }
  SECTION("in the first bucket, from 0") {
    last.ttft_seconds = histogram(bounds, {41, 42, 42, 42}, 2.3);
    capture.server = {server_point(-1, baseline), server_point(10, last)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    CHECK(ttft.p50->value_ms == Approx(50));  // rank 20 of 40 in [0, 0.1]
    CHECK(ttft.p50->bucket_low_ms == 0);
    CHECK(ttft.p50->bucket_high_ms == Approx(100));
  }
  SECTION("in the +Inf bucket: its lower bound, with no upper one") {
    // Increase per bucket: 10, 30, 10, 10 -> cumulative 10, 40, 50, 60.
    last.ttft_seconds = histogram(bounds, {11, 42, 52, 62}, 40.3);
    capture.server = {server_point(-1, baseline), server_point(10, last)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    CHECK(ttft.count == 60);
    CHECK(ttft.p50->value_ms == Approx(0.1 * 1000 + 0.4 * 1000 * 20 / 30));  // rank 30
    REQUIRE(ttft.p99);
    CHECK(ttft.p99->value_ms == Approx(1000));  // rank 59.4 > 50
    CHECK(ttft.p99->bucket_low_ms == Approx(1000));
    CHECK_FALSE(ttft.p99->bucket_high_ms);
  }
  SECTION("no observation during the benchmark: count 0, no quantile") {
    capture.server = {server_point(-1, baseline), server_point(10, baseline)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    CHECK(ttft.count == 0);
    CHECK(ttft.mean_ms == 0);
    CHECK_FALSE(ttft.p50);
  }
  SECTION("a reset in the middle counts from zero after it") {
    ServerReading high;
    high.ttft_seconds = histogram(bounds, {5, 6, 6, 6}, 1.0);  // +4 in the first bucket
    ServerReading restarted;
    restarted.ttft_seconds = histogram(bounds, {0, 3, 3, 3}, 1.5);  // after a restart: +3
    capture.server = {server_point(-1, baseline), server_point(4, high),
                      server_point(8, restarted)};
    const TelemetrySummary summary = summarise_telemetry(capture);
    const auto& ttft = *summary.server->ttft;
    CHECK(ttft.count == 7);
    CHECK(ttft.reset);
    CHECK(ttft.mean_ms == Approx((0.7 + 1.5) / 7 * 1000));
    CHECK(contains(summary.notes, "ttft went down"));
  }
  SECTION("bounds that changed between readings: the ones both have") {
    last.ttft_seconds = histogram({0.1, 0.25, 0.5, kInf}, {11, 30, 42, 52}, 20.3);
    capture.server = {server_point(-1, baseline), server_point(10, last)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    CHECK(ttft.count == 50);
    CHECK(ttft.p50->bucket_low_ms == Approx(100));
    CHECK(ttft.p50->bucket_high_ms == Approx(500));
  }
}

namespace {

/// A deterministic sample of TTFTs in seconds, log-uniform over [5 ms, 3 s].
std::vector<double> ttft_sample(std::size_t count, std::uint64_t seed) {
  std::vector<double> values;
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double unit = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
    values.push_back(0.005 * std::pow(600.0, unit));
  }
  return values;
}

HistogramReading observe(const std::vector<double>& bounds, const std::vector<double>& values) {
  HistogramReading reading;
  reading.upper_bounds = bounds;
  reading.cumulative_counts.assign(bounds.size(), 0.0);
  for (const double value : values) {
    for (std::size_t b = 0; b < bounds.size(); ++b) {
      if (value <= bounds[b]) reading.cumulative_counts[b] += 1;
    }
    reading.sum += value;
  }
  reading.count = reading.cumulative_counts.back();
  return reading;
}

}  // namespace

TEST_CASE("summary: the server's TTFT p50 lies within one bucket of the true p50", "[summary]") {
  // vLLM's TTFT buckets (vllm/v1/metrics/loggers.py).
  const std::vector<double> bounds{0.001, 0.005, 0.01, 0.02,  0.04,  0.06,   0.08, 0.1,
                                   0.25,  0.5,   0.75, 1.0,   2.5,   5.0,    7.5,  10.0,
                                   20.0,  40.0,  80.0, 160.0, 640.0, 2560.0, kInf};
  for (const std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    const std::vector<double> before = ttft_sample(200, seed * 7);  // earlier traffic
    const std::vector<double> during = ttft_sample(501, seed);
    std::vector<double> all = before;
    all.insert(all.end(), during.begin(), during.end());
    TelemetryCapture capture;
    capture.benchmark_duration_s = 60;
    ServerReading start;
    start.ttft_seconds = observe(bounds, before);
    ServerReading end;
    end.ttft_seconds = observe(bounds, all);
    capture.server = {server_point(-1, start), server_point(60.2, end)};
    const TelemetrySummary summarised = summarise_telemetry(capture);
    const auto& ttft = *summarised.server->ttft;
    REQUIRE(ttft.count == 501);
    std::vector<double> sorted = during;
    std::sort(sorted.begin(), sorted.end());
    const double true_p50_ms = sorted[250] * 1000;  // 501 samples: the middle one
    INFO("seed " << seed << ": true p50 " << true_p50_ms << " ms, server p50 " << ttft.p50->value_ms
                 << " ms in [" << ttft.p50->bucket_low_ms << ", "
                 << ttft.p50->bucket_high_ms.value_or(-1) << "]");
    REQUIRE(ttft.p50->bucket_high_ms);
    const double width_ms = *ttft.p50->bucket_high_ms - ttft.p50->bucket_low_ms;
    CHECK(true_p50_ms >= ttft.p50->bucket_low_ms);
    CHECK(true_p50_ms <= *ttft.p50->bucket_high_ms);
    CHECK(std::abs(ttft.p50->value_ms - true_p50_ms) <= width_ms);
    double mean = 0.0;
    for (const double value : during) mean += value;
    CHECK(ttft.mean_ms == Approx(mean / 501 * 1000));
  }
}

TEST_CASE("summary: GPUs, framebuffer total and share", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 10;
  capture.interval_s = 1;
  const auto gpu = [](const std::string& uuid, double util, double used, double free) {
    GpuReading reading;
    reading.gpu = uuid == "GPU-a" ? "0" : "1";
    reading.uuid = uuid;
    reading.model_name = "NVIDIA H100 80GB HBM3";
    reading.hostname = "node-1";
    reading.util_percent = util;
    reading.fb_used_mib = used;
    reading.fb_free_mib = free;
    reading.power_w = 100 + util;
    return reading;
  };
  capture.gpu = {GpuPoint{-0.5, {gpu("GPU-a", 0, 1000, 79000), gpu("GPU-b", 0, 500, 79500)}},
                 GpuPoint{5, {gpu("GPU-a", 100, 60000, 20000), gpu("GPU-b", 50, 40500, 39500)}}};
  const TelemetrySummary summary = summarise_telemetry(capture);
  REQUIRE(summary.gpus.size() == 2);
  const auto& a = summary.gpus[0];
  CHECK(a.uuid == "GPU-a");
  CHECK(a.readings == 2);
  CHECK(a.util_percent->mean == Approx(100));  // the baseline is idle time: 100 % from 0 on
  CHECK(a.util_percent->max == 100);
  CHECK(a.fb_total_mib == 80000);
  CHECK(a.fb_used_mib->max == 60000);
  CHECK(a.fb_used_fraction->max == Approx(0.75));
  CHECK(a.fb_used_fraction->mean == Approx(0.75));
  CHECK_FALSE(a.tensor_active);  // not exposed: absent
  CHECK(summary.gpus[1].uuid == "GPU-b");
  CHECK(summary.gpus[1].util_percent->mean == Approx(50));
  CHECK_FALSE(summary.server);
  REQUIRE(summary.series.size() == 2);
  CHECK(summary.series[1].gpu_util_percent == Approx(75));
  CHECK(summary.series[1].fb_used_mib == 100500);
  CHECK(summary.series[1].power_w == Approx(350));
  CHECK_FALSE(summary.series[1].requests_running);
}

TEST_CASE("summary: the series joins server and GPU scrapes and keeps at most 300 points",
          "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 1000;
  capture.interval_s = 1;
  for (int i = -1; i < 1000; ++i) {
    capture.server.push_back(running_at(i + 0.1, i));
    GpuReading gpu;
    gpu.uuid = "GPU-a";
    gpu.util_percent = 50;
    capture.gpu.push_back(GpuPoint{i + 0.3, {gpu}});
  }
  const TelemetrySummary summary = summarise_telemetry(capture);
  REQUIRE(summary.series.size() == llmpace::telemetry::kMaxTelemetryPoints);
  CHECK(summary.series.front().t_s == Approx(-0.9));
  CHECK(summary.series.back().t_s == Approx(999.1));
  for (const auto& point : summary.series) {
    CHECK(point.requests_running);
    CHECK(point.gpu_util_percent == 50);  // every GPU round joined its server scrape
  }
  CHECK(std::is_sorted(summary.series.begin(), summary.series.end(),
                       [](const auto& a, const auto& b) { return a.t_s < b.t_s; }));
}

TEST_CASE("summary: notes say why telemetry is missing or partial", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 15;
  SECTION("server metrics off") {
    capture.server_missing_reason = "--server-metrics off";
    const TelemetrySummary summary = summarise_telemetry(capture);
    CHECK_FALSE(summary.server);
    CHECK(summary.notes == std::vector<std::string>{"server metrics: --server-metrics off"});
  }
  SECTION("failed scrapes and skipped lines, per endpoint") {
    EndpointStatus server;
    server.url = "http://127.0.0.1:8000/metrics";
    server.scrapes = 15;
    server.failures = 3;
    server.failures_by_kind = {{"timeout", 3}};
    server.first_error = "no answer within 1 s";
    server.skipped_lines = 2;
    server.first_skipped_line = "line 12: value \"abc\" is not a number";
    EndpointStatus gpu;
    gpu.role = EndpointRole::gpu;
    gpu.url = "http://127.0.0.1:9400/metrics";
    gpu.scrapes = 15;
    gpu.failures = 15;
    gpu.failures_by_kind = {{"connect", 10}, {"http_status", 5}};
    gpu.first_error = "connection refused";
    capture.endpoints = {server, gpu};
    capture.server = {running_at(-1, 0), running_at(5, 1)};
    const TelemetrySummary summary = summarise_telemetry(capture);
    INFO(joined(summary.notes));
    CHECK(contains(summary.notes,
                   "server metrics http://127.0.0.1:8000/metrics: 3 of 15 scrapes failed: "
                   "timeout (first: no answer within 1 s)"));
    CHECK(contains(summary.notes,
                   "server metrics http://127.0.0.1:8000/metrics: 2 unreadable lines skipped "
                   "(first: line 12: value \"abc\" is not a number)"));
    CHECK(contains(summary.notes,
                   "GPU metrics http://127.0.0.1:9400/metrics: 15 of 15 scrapes failed: "
                   "10 connect, 5 http_status (first: connection refused)"));
    CHECK(contains(summary.notes, "GPU metrics: no successful scrape"));
    CHECK(summary.endpoints.size() == 2);
  }
  SECTION("llama.cpp lacks KV usage, preemptions and histograms") {
    ServerReading reading;
    reading.flavor = ServerFlavor::llamacpp;
    reading.requests_running = 1;
    reading.requests_waiting = 0;
    reading.prompt_tokens_total = 10;
    reading.generation_tokens_total = 10;
    capture.server = {server_point(-1, reading), server_point(15, reading)};
    const TelemetrySummary summary = summarise_telemetry(capture);
    INFO(joined(summary.notes));
    CHECK(summary.server->flavor == ServerFlavor::llamacpp);
    CHECK(contains(summary.notes,
                   "server metrics (llamacpp): kv_cache_usage, preemptions, prefix_cache, ttft, "
                   "itl, tpot, e2e, queue_time, kv_capacity_tokens not exposed"));
  }
  SECTION("the model filter matched nothing") {
    ServerReading reading;
    reading.model_names = {"llama-3-8b", "granite-3"};
    reading.kv_capacity_tokens = 1000;  // cache_config_info has no model_name: still read
    capture.server = {server_point(-1, reading), server_point(15, reading)};
    const TelemetrySummary summary = summarise_telemetry(capture);
    CHECK(summary.notes ==
          std::vector<std::string>{"server metrics (vllm): no sample for the model asked for; "
                                   "model_name values seen: llama-3-8b, granite-3"});
  }
  SECTION("one scrape only") {
    capture.server = {running_at(3, 1)};
    const TelemetrySummary summary = summarise_telemetry(capture);
    CHECK(contains(summary.notes, "one successful scrape only"));
    CHECK(summary.server->requests_running);
    CHECK_FALSE(summary.server->prompt_tokens);
  }
}

TEST_CASE("summary: no NaN, infinite or negative number, whatever the capture", "[summary]") {
  TelemetryCapture capture;
  capture.benchmark_duration_s = 0;  // an instant benchmark
  capture.interval_s = std::numeric_limits<double>::quiet_NaN();
  ServerReading odd;
  odd.requests_running = 0;
  odd.kv_cache_usage = 0;
  odd.prompt_tokens_total = 5;
  odd.ttft_seconds = histogram({kInf}, {3}, 0.5);  // no finite bucket
  odd.e2e_seconds = histogram({0.0, kInf}, {2, 2}, 0);
  ServerReading later = odd;
  later.prompt_tokens_total = 1;  // went down
  later.ttft_seconds = histogram({kInf}, {9}, 1.0);
  later.e2e_seconds = histogram({0.0, kInf}, {4, 4}, 0);
  capture.server = {server_point(-2, odd), server_point(-1, odd), server_point(3, later)};
  GpuReading gpu;
  gpu.fb_used_mib = 0;
  gpu.fb_free_mib = 0;  // total 0: no share
  capture.gpu = {GpuPoint{1, {gpu}}};
  const TelemetrySummary summary = summarise_telemetry(capture);
  const nlohmann::json json = llmpace::telemetry::telemetry_to_json(summary);
  check_no_bad_number(json, "telemetry");
  REQUIRE(summary.server);
  CHECK(summary.server->prompt_tokens->per_s == 0);
  CHECK(summary.server->ttft->count == 6);
  CHECK_FALSE(summary.server->ttft->p50);  // no finite bucket to place it in
  CHECK(summary.server->e2e->p50->value_ms == 0);
  CHECK_FALSE(summary.gpus.at(0).fb_used_fraction);
  CHECK_FALSE(summary.gpus.at(0).fb_total_mib);
  CHECK(summary.interval_s == 0);
}
