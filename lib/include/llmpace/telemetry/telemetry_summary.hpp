// TelemetrySummary: what a benchmark's report says about the server and its GPUs, computed from a
// TelemetryCapture by summarise_telemetry():
// - gauges (KV usage, running, waiting, GPU utilisation, framebuffer, power, temperature):
//   time-weighted mean (each reading holds until the next), max and p95 over the benchmark;
// - counters (preemptions, prompt and generation tokens, prefix cache): the delta between the
//   last scrape before the benchmark started (the baseline) and the last one of the benchmark,
//   and that delta per second; a counter that went down (server restart) is reported as reset,
//   never as a negative delta;
// - histograms (TTFT, ITL, TPOT, e2e, queue time): the bucket-wise delta over the benchmark, turned
//   into percentiles by linear interpolation inside the bucket (as PromQL's
//   histogram_quantile), each with the bounds of its bucket so a reader knows its resolution;
// - the KV capacity in tokens (cache_config_info) and the time series for charts.
// Every figure is optional: absent means "not exposed" or "not scraped", never zero.
// Definitions: docs/telemetry.md.
//
// Plain data; pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/telemetry/capture.hpp"

namespace llmpace::telemetry {

struct GaugeStats {
  double mean = 0.0;  ///< time-weighted over the benchmark
  double max = 0.0;
  double p95 = 0.0;  ///< time-weighted: the value held at least 95 % of the time is <= p95
  std::size_t readings = 0;
};

struct CounterStats {
  double delta = 0.0;  ///< >= 0
  double per_s = 0.0;  ///< delta / benchmark duration
  bool reset = false;  ///< the counter went down during the benchmark: delta is from the reset on
};

/// A quantile from histogram buckets: the interpolated value and the bucket it fell in.
struct BucketQuantile {
  double value_ms = 0.0;
  double bucket_low_ms = 0.0;   ///< lower bound of the bucket (0 for the first)
  double bucket_high_ms = 0.0;  ///< upper bound; +Inf bucket: the value is its lower bound
};

struct HistogramStats {
  double count = 0.0;  ///< observations during the benchmark
  double mean_ms = 0.0;
  std::optional<BucketQuantile> p50;
  std::optional<BucketQuantile> p90;
  std::optional<BucketQuantile> p99;
};

struct ServerTelemetry {
  ServerFlavor flavor = ServerFlavor::unknown;
  std::optional<GaugeStats> kv_cache_usage;  ///< 0..1
  std::optional<GaugeStats> requests_running;
  std::optional<GaugeStats> requests_waiting;
  std::optional<CounterStats> preemptions;
  std::optional<CounterStats> prompt_tokens;
  std::optional<CounterStats> generation_tokens;
  std::optional<double> prefix_cache_hit_rate;  ///< hits / queries over the benchmark, 0..1
  std::optional<HistogramStats> ttft;
  std::optional<HistogramStats> itl;
  std::optional<HistogramStats> tpot;
  std::optional<HistogramStats> e2e;
  std::optional<HistogramStats> queue_time;
  std::optional<double> kv_capacity_tokens;
};

struct GpuTelemetry {
  std::string gpu;
  std::string uuid;
  std::string model_name;
  std::string hostname;
  std::optional<GaugeStats> util_percent;
  std::optional<GaugeStats> gr_engine_active;  ///< 0..1
  std::optional<GaugeStats> tensor_active;     ///< 0..1
  std::optional<GaugeStats> dram_active;       ///< 0..1
  std::optional<GaugeStats> fb_used_mib;
  std::optional<double> fb_total_mib;          ///< used + free at the last reading
  std::optional<GaugeStats> fb_used_fraction;  ///< used / (used + free), 0..1
  std::optional<GaugeStats> power_w;
  std::optional<GaugeStats> temp_c;
  std::optional<GaugeStats> sm_clock_mhz;
};

/// One point of the time series kept for charts (at most kMaxTelemetryPoints, evenly thinned).
struct TelemetryPoint {
  double t_s = 0.0;  ///< benchmark clock
  std::optional<double> kv_cache_usage;
  std::optional<double> requests_running;
  std::optional<double> requests_waiting;
  std::optional<double> gpu_util_percent;  ///< mean over the GPUs
  std::optional<double> fb_used_mib;       ///< sum over the GPUs
  std::optional<double> power_w;           ///< sum over the GPUs
};
inline constexpr std::size_t kMaxTelemetryPoints = 300;

struct TelemetrySummary {
  std::vector<EndpointStatus> endpoints;
  double interval_s = 1.0;
  std::optional<ServerTelemetry> server;  ///< absent: not scraped or no successful scrape
  std::vector<GpuTelemetry> gpus;
  std::vector<TelemetryPoint> series;
  /// Why telemetry is missing or partial, one line each ("server metrics: GET /metrics answered
  /// 404", "2 of 15 GPU scrapes failed (timeout)", "no kv_cache_usage exposed").
  std::vector<std::string> notes;
};

TelemetrySummary summarise_telemetry(const TelemetryCapture& capture);

}  // namespace llmpace::telemetry
