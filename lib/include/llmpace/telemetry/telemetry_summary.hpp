// TelemetrySummary: what a benchmark's report says about the server and its GPUs, computed from a
// TelemetryCapture by summarise_telemetry():
// - gauges (KV usage, running, waiting, GPU utilisation, framebuffer, power, temperature):
//   time-weighted mean, max and p95 over [0, benchmark_duration_s]: each reading inside describes
//   the time since the one before it (from 0 for the first; the last also holds on to the end);
//   without a reading inside, the first after the end stands in, else the baseline;
// - counters (preemptions, prompt and generation tokens, prefix cache): the increase from the
//   baseline (the last reading at t_s <= 0, else the first reading) to the last reading, and that
//   increase per second of the part of the benchmark the two readings span; a counter that went
//   down (server restart) is counted as PromQL's increase() counts it, from zero after the
//   reset, and flagged reset, never a negative delta;
// - histograms (TTFT, ITL, TPOT, e2e, queue time): the bucket-wise increase over the same span,
//   turned into percentiles by linear interpolation inside the bucket (as PromQL's
//   histogram_quantile), each with the bounds of its bucket so a reader knows its resolution;
// - the KV capacity in tokens (cache_config_info) and the time series for charts;
// - notes on what is missing or partial, one line each.
// Every figure is optional: absent means "not exposed" or "not scraped", never zero. No figure is
// NaN, infinite or negative. Definitions: docs/telemetry.md#what-the-report-says.
//
// Plain data; pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <map>
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
  /// delta / the seconds of [0, benchmark_duration_s] between the baseline and the last reading
  /// (0 when they span none of it).
  double per_s = 0.0;
  /// The counter went down during the benchmark (server restart): delta adds what it counted
  /// before the reset and its value after it, as PromQL's increase().
  bool reset = false;
};

/// A quantile from histogram buckets: the interpolated value and the bucket it fell in.
struct BucketQuantile {
  double value_ms = 0.0;
  double bucket_low_ms = 0.0;  ///< lower bound of the bucket (0 for the first)
  /// Upper bound of the bucket; nullopt for the +Inf bucket, where value_ms is its lower bound
  /// (the highest finite bound) and so only says "at least".
  std::optional<double> bucket_high_ms;
};

struct HistogramStats {
  double count = 0.0;    ///< observations during the benchmark
  double mean_ms = 0.0;  ///< increase of _sum / count; 0 when count is 0
  bool reset = false;    ///< the histogram went down (server restart); counted as for counters
  std::optional<BucketQuantile> p50;  ///< absent when count is 0
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
  /// vllm:num_requests_waiting_by_reason: time-weighted, by reason (capacity, deferred, ...).
  std::map<std::string, GaugeStats> requests_waiting_by_reason;
  std::optional<double> prefix_cache_hit_rate;  ///< hits / queries over the benchmark, 0..1;
                                                ///< absent when no query was counted
  std::optional<HistogramStats> ttft;
  std::optional<HistogramStats> itl;
  std::optional<HistogramStats> tpot;
  std::optional<HistogramStats> e2e;
  std::optional<HistogramStats> queue_time;
  std::optional<double> kv_capacity_tokens;  ///< at the last reading that gave it
  std::size_t readings = 0;                  ///< successful server scrapes used
};

struct GpuTelemetry {
  std::string gpu;  ///< GpuReading's labels, from the GPU's first reading
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
  std::size_t readings = 0;  ///< scrapes in which this GPU appeared
};

/// One point of the time series kept for charts (at most kMaxTelemetryPoints, evenly thinned,
/// the first and last kept). A server scrape and the GPU scrape nearest to it (within half an
/// interval) make one point; either part may be absent.
struct TelemetryPoint {
  double t_s = 0.0;  ///< benchmark clock: negative for the baseline, beyond the duration after it
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
  /// 404", "GPU metrics http://...:9400/metrics: 2 of 15 scrapes failed: timeout (first: ...)",
  /// "server metrics (llamacpp): kv_cache_usage, ... not exposed"); docs/telemetry.md lists them.
  std::vector<std::string> notes;
};

TelemetrySummary summarise_telemetry(const TelemetryCapture& capture);

}  // namespace llmpace::telemetry
