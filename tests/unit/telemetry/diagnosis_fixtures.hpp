// Hand-made client figures and telemetry for the diagnosis tests: a healthy benchmark to start
// from, and small setters for the figures each rule reads.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/telemetry/diagnosis.hpp"
#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::telemetry::test {

/// A distribution with the given p50 and p99 (mean = p50), `count` samples.
inline metrics::DistributionSummary distribution(double p50, double p99, std::size_t count = 100) {
  metrics::DistributionSummary summary;
  summary.count = count;
  summary.mean = p50;
  summary.min = p50 / 2;
  summary.max = p99;
  summary.p50 = p50;
  summary.p90 = (p50 + p99) / 2;
  summary.p95 = (p50 + p99) / 2;
  summary.p99 = p99;
  return summary;
}

/// 60 s of 10 requests in flight, 600 successful requests, TTFT p50 100 ms, TPOT p50 20 ms, lags
/// well under a millisecond, a flat timeline of 1 s buckets.
inline metrics::BenchmarkMetrics healthy_metrics(double concurrency = 10.0) {
  metrics::BenchmarkMetrics m;
  m.duration_s = 60;
  m.requests.successful = 600;
  m.ttft_ms = distribution(100, 150);
  m.tpot_ms = distribution(20, 25);
  m.itl_ms = distribution(20, 30);
  m.itl_mean_ms = distribution(20, 25);
  m.latency_ms = distribution(1000, 1200);
  m.send_lag_ms = distribution(0.1, 0.5);
  m.dispatch_lag_ms = distribution(0.05, 0.2);
  m.throughput.requests_per_s = 10;
  m.throughput.sent_requests_per_s = 10;
  m.concurrency.mean = concurrency;
  m.concurrency.max = static_cast<std::size_t>(concurrency) + 4;
  m.timeline_bucket_s = 1;
  for (int i = 0; i < 60; ++i) {
    m.timeline.push_back({static_cast<double>(i), concurrency, 10, 500});
  }
  return m;
}

/// One request at a time.
inline metrics::BenchmarkMetrics single_stream_metrics(double ttft_p50_ms, double tpot_p50_ms) {
  metrics::BenchmarkMetrics m = healthy_metrics(1.0);
  m.concurrency.mean = 0.98;
  m.concurrency.max = 1;
  m.ttft_ms = distribution(ttft_p50_ms, ttft_p50_ms * 1.2);
  m.tpot_ms = distribution(tpot_p50_ms, tpot_p50_ms * 1.2);
  return m;
}

/// Sets the in-flight timeline: `from` at the first bucket to `to` at the last, linearly.
inline void ramp_timeline(metrics::BenchmarkMetrics& m, double from, double to) {
  const std::size_t n = m.timeline.size();
  for (std::size_t i = 0; i < n; ++i) {
    m.timeline[i].concurrency_mean = from + (to - from) * static_cast<double>(i) / (n - 1);
  }
}

inline GaugeStats gauge(double mean, double max, double p95) {
  GaugeStats stats;
  stats.mean = mean;
  stats.max = max;
  stats.p95 = p95;
  stats.readings = 60;
  return stats;
}

/// Server telemetry with KV usage (p95 = max = kv), requests waiting (mean = max = p95 =
/// waiting), a flat series of 60 points, and one GPU whose GR_ENGINE_ACTIVE averaged
/// gpu_percent (none when negative).
inline TelemetrySummary make_telemetry(double kv, double waiting, double gpu_percent) {
  TelemetrySummary summary;
  ServerTelemetry server;
  server.flavor = ServerFlavor::vllm;
  server.kv_cache_usage = gauge(kv * 0.9, kv, kv);
  server.requests_waiting = gauge(waiting, waiting, waiting);
  server.requests_running = gauge(10, 10, 10);
  CounterStats preemptions;
  server.preemptions = preemptions;
  summary.server = server;
  if (gpu_percent >= 0) {
    GpuTelemetry gpu;
    gpu.gpu = "0";
    gpu.gr_engine_active = gauge(gpu_percent / 100.0, gpu_percent / 100.0, gpu_percent / 100.0);
    gpu.util_percent = gauge(99, 100, 100);  // GR_ENGINE_ACTIVE takes precedence
    summary.gpus.push_back(gpu);
  }
  for (int i = 0; i < 60; ++i) {
    TelemetryPoint point;
    point.t_s = i + 0.5;
    point.kv_cache_usage = kv;
    point.requests_waiting = waiting;
    summary.series.push_back(point);
  }
  return summary;
}

/// Sets the series' requests waiting: `from` at the first point to `to` at the last.
inline void ramp_waiting(TelemetrySummary& summary, double from, double to) {
  const std::size_t n = summary.series.size();
  for (std::size_t i = 0; i < n; ++i) {
    summary.series[i].requests_waiting = from + (to - from) * static_cast<double>(i) / (n - 1);
  }
}

inline DiagnosisInput input_for(const metrics::BenchmarkMetrics& m,
                                const TelemetrySummary* summary = nullptr,
                                ProfileKind profile = ProfileKind::concurrent,
                                std::optional<double> rate = 10.0) {
  DiagnosisInput input;
  input.metrics = &m;
  input.telemetry = summary;
  input.profile = profile;
  input.rate = rate;
  return input;
}

}  // namespace llmpace::telemetry::test
