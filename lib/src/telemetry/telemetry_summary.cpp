// summarise_telemetry(): a TelemetryCapture turned into the report's figures and notes
// (docs/telemetry.md#what-the-report-says). The maths is in series_stats.cpp.
#include "llmpace/telemetry/telemetry_summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string_view>
#include <utility>

#include "series_stats.hpp"

namespace llmpace::telemetry {
namespace {

using detail::TimedHistogram;
using detail::TimedValue;

/// The readings of one optional field of the server's points, in time order.
std::vector<TimedValue> server_values(const std::vector<ServerPoint>& points,
                                      std::optional<double> ServerReading::*field) {
  std::vector<TimedValue> values;
  for (const ServerPoint& point : points) {
    if (const std::optional<double>& value = point.reading.*field) {
      values.push_back({point.t_s, *value});
    }
  }
  return values;
}

std::vector<TimedHistogram> server_histograms(
    const std::vector<ServerPoint>& points, std::optional<HistogramReading> ServerReading::*field) {
  std::vector<TimedHistogram> histograms;
  for (const ServerPoint& point : points) {
    if (const std::optional<HistogramReading>& histogram = point.reading.*field) {
      histograms.push_back({point.t_s, &*histogram});
    }
  }
  return histograms;
}

struct ServerGauge {
  std::string_view name;
  std::optional<double> ServerReading::*reading;
  std::optional<GaugeStats> ServerTelemetry::*stats;
};
constexpr ServerGauge kServerGauges[] = {
    {"kv_cache_usage", &ServerReading::kv_cache_usage, &ServerTelemetry::kv_cache_usage},
    {"requests_running", &ServerReading::requests_running, &ServerTelemetry::requests_running},
    {"requests_waiting", &ServerReading::requests_waiting, &ServerTelemetry::requests_waiting},
};

struct ServerCounter {
  std::string_view name;
  std::optional<double> ServerReading::*reading;
  std::optional<CounterStats> ServerTelemetry::*stats;
};
constexpr ServerCounter kServerCounters[] = {
    {"preemptions", &ServerReading::preemptions_total, &ServerTelemetry::preemptions},
    {"prompt_tokens", &ServerReading::prompt_tokens_total, &ServerTelemetry::prompt_tokens},
    {"generation_tokens", &ServerReading::generation_tokens_total,
     &ServerTelemetry::generation_tokens},
};

struct ServerHistogram {
  std::string_view name;
  std::optional<HistogramReading> ServerReading::*reading;
  std::optional<HistogramStats> ServerTelemetry::*stats;
};
constexpr ServerHistogram kServerHistograms[] = {
    {"ttft", &ServerReading::ttft_seconds, &ServerTelemetry::ttft},
    {"itl", &ServerReading::itl_seconds, &ServerTelemetry::itl},
    {"tpot", &ServerReading::tpot_seconds, &ServerTelemetry::tpot},
    {"e2e", &ServerReading::e2e_seconds, &ServerTelemetry::e2e},
    {"queue_time", &ServerReading::queue_seconds, &ServerTelemetry::queue_time},
};

bool has_any_figure(const ServerReading& reading) {
  for (const ServerGauge& gauge : kServerGauges) {
    if (reading.*gauge.reading) return true;
  }
  for (const ServerCounter& counter : kServerCounters) {
    if (reading.*counter.reading) return true;
  }
  for (const ServerHistogram& histogram : kServerHistograms) {
    if (reading.*histogram.reading) return true;
  }
  return reading.prefix_cache_queries_total || !reading.requests_waiting_by_reason.empty();
}

std::optional<double> prefix_cache_hit_rate(const std::vector<ServerPoint>& points,
                                            double duration_s) {
  const auto hits = detail::counter_stats(
      server_values(points, &ServerReading::prefix_cache_hits_total), duration_s);
  const auto queries = detail::counter_stats(
      server_values(points, &ServerReading::prefix_cache_queries_total), duration_s);
  if (!hits || !queries || !(queries->delta > 0.0)) return std::nullopt;
  return std::clamp(hits->delta / queries->delta, 0.0, 1.0);
}

ServerTelemetry summarise_server(const TelemetryCapture& capture, std::vector<std::string>& notes) {
  const std::vector<ServerPoint>& points = capture.server;
  const double duration_s = capture.benchmark_duration_s;
  ServerTelemetry server;
  server.flavor = points.back().reading.flavor;
  server.readings = points.size();
  for (const ServerGauge& gauge : kServerGauges) {
    server.*gauge.stats = detail::gauge_stats(server_values(points, gauge.reading), duration_s);
  }
  std::vector<std::string> reasons;
  for (const ServerPoint& point : points) {
    for (const auto& [reason, value] : point.reading.requests_waiting_by_reason) {
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
        reasons.push_back(reason);
      }
    }
  }
  for (const std::string& reason : reasons) {
    std::vector<TimedValue> values;
    for (const ServerPoint& point : points) {
      const auto found = point.reading.requests_waiting_by_reason.find(reason);
      if (found != point.reading.requests_waiting_by_reason.end()) {
        values.push_back({point.t_s, found->second});
      }
    }
    if (auto stats = detail::gauge_stats(values, duration_s)) {
      server.requests_waiting_by_reason.emplace(reason, *stats);
    }
  }
  std::vector<std::string_view> reset;
  for (const ServerCounter& counter : kServerCounters) {
    server.*counter.stats =
        detail::counter_stats(server_values(points, counter.reading), duration_s);
    if (server.*counter.stats && (server.*counter.stats)->reset) reset.push_back(counter.name);
  }
  server.prefix_cache_hit_rate = prefix_cache_hit_rate(points, duration_s);
  for (const ServerHistogram& histogram : kServerHistograms) {
    server.*histogram.stats = detail::histogram_stats(server_histograms(points, histogram.reading));
    if (server.*histogram.stats && (server.*histogram.stats)->reset) {
      reset.push_back(histogram.name);
    }
  }
  for (auto point = points.rbegin(); point != points.rend(); ++point) {
    if (point->reading.kv_capacity_tokens) {
      server.kv_capacity_tokens = point->reading.kv_capacity_tokens;
      break;
    }
  }

  const auto seen_in_any = [&](auto predicate) {
    return std::any_of(points.begin(), points.end(),
                       [&](const ServerPoint& point) { return predicate(point.reading); });
  };
  const std::string flavor(to_string(server.flavor));
  if (!seen_in_any(has_any_figure)) {
    const std::vector<std::string>& models = points.back().reading.model_names;
    notes.push_back(models.empty()
                        ? fmt::format("server metrics ({}): none of the figures llmpace reads "
                                      "was exposed",
                                      flavor)
                        : fmt::format("server metrics ({}): no sample for the model asked for; "
                                      "model_name values seen: {}",
                                      flavor, fmt::join(models, ", ")));
    return server;
  }
  std::vector<std::string_view> missing;
  for (const ServerGauge& gauge : kServerGauges) {
    if (!seen_in_any([&](const ServerReading& r) { return (r.*gauge.reading).has_value(); })) {
      missing.push_back(gauge.name);
    }
  }
  for (const ServerCounter& counter : kServerCounters) {
    if (!seen_in_any([&](const ServerReading& r) { return (r.*counter.reading).has_value(); })) {
      missing.push_back(counter.name);
    }
  }
  if (!seen_in_any(
          [](const ServerReading& r) { return r.prefix_cache_queries_total.has_value(); })) {
    missing.push_back("prefix_cache");
  }
  for (const ServerHistogram& histogram : kServerHistograms) {
    if (!seen_in_any([&](const ServerReading& r) { return (r.*histogram.reading).has_value(); })) {
      missing.push_back(histogram.name);
    }
  }
  if (!server.kv_capacity_tokens) missing.push_back("kv_capacity_tokens");
  if (!missing.empty()) {
    notes.push_back(
        fmt::format("server metrics ({}): {} not exposed", flavor, fmt::join(missing, ", ")));
  }
  if (points.size() == 1) {
    notes.push_back("server metrics: one successful scrape only; counters and histograms need two");
  } else if (points.front().t_s > 0.0) {
    notes.push_back(fmt::format(
        "server metrics: no scrape before the start; counters and histograms count from the "
        "first scrape, at {:.1f} s",
        points.front().t_s));
  }
  if (!reset.empty()) {
    notes.push_back(fmt::format(
        "server metrics: {} went down during the benchmark (server restart?); counted from zero "
        "after the reset",
        fmt::join(reset, ", ")));
  }
  return server;
}

// --- GPUs ---------------------------------------------------------------------------------

std::string gpu_key(const GpuReading& gpu) {
  return gpu.uuid + '\x1f' + gpu.gpu + '\x1f' + gpu.hostname;
}

struct GpuGauge {
  std::optional<double> GpuReading::*reading;
  std::optional<GaugeStats> GpuTelemetry::*stats;
};
constexpr GpuGauge kGpuGauges[] = {
    {&GpuReading::util_percent, &GpuTelemetry::util_percent},
    {&GpuReading::gr_engine_active, &GpuTelemetry::gr_engine_active},
    {&GpuReading::tensor_active, &GpuTelemetry::tensor_active},
    {&GpuReading::dram_active, &GpuTelemetry::dram_active},
    {&GpuReading::fb_used_mib, &GpuTelemetry::fb_used_mib},
    {&GpuReading::power_w, &GpuTelemetry::power_w},
    {&GpuReading::temp_c, &GpuTelemetry::temp_c},
    {&GpuReading::sm_clock_mhz, &GpuTelemetry::sm_clock_mhz},
};

std::vector<GpuTelemetry> summarise_gpus(const TelemetryCapture& capture) {
  // One GPU's readings in time order, GPUs in order of first appearance.
  std::vector<std::string> keys;
  std::vector<std::vector<std::pair<double, const GpuReading*>>> readings;
  for (const GpuPoint& point : capture.gpu) {
    for (const GpuReading& gpu : point.gpus) {
      std::string key = gpu_key(gpu);
      auto found = std::find(keys.begin(), keys.end(), key);
      if (found == keys.end()) {
        keys.push_back(std::move(key));
        readings.emplace_back();
        found = keys.end() - 1;
      }
      readings[static_cast<std::size_t>(found - keys.begin())].emplace_back(point.t_s, &gpu);
    }
  }
  std::vector<GpuTelemetry> gpus;
  for (const auto& one : readings) {
    GpuTelemetry gpu;
    const GpuReading& first = *one.front().second;
    gpu.gpu = first.gpu;
    gpu.uuid = first.uuid;
    gpu.model_name = first.model_name;
    gpu.hostname = first.hostname;
    gpu.readings = one.size();
    for (const GpuGauge& gauge : kGpuGauges) {
      std::vector<TimedValue> values;
      for (const auto& [t_s, reading] : one) {
        if (const std::optional<double>& value = reading->*gauge.reading) {
          values.push_back({t_s, *value});
        }
      }
      gpu.*gauge.stats = detail::gauge_stats(values, capture.benchmark_duration_s);
    }
    std::vector<TimedValue> fractions;
    for (const auto& [t_s, reading] : one) {
      if (!reading->fb_used_mib || !reading->fb_free_mib) continue;
      const double total = *reading->fb_used_mib + *reading->fb_free_mib;
      if (!(total > 0.0)) continue;
      gpu.fb_total_mib = total;
      fractions.push_back({t_s, std::clamp(*reading->fb_used_mib / total, 0.0, 1.0)});
    }
    gpu.fb_used_fraction = detail::gauge_stats(fractions, capture.benchmark_duration_s);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

// --- Series -------------------------------------------------------------------------------

void add_gpu_figures(TelemetryPoint& point, const GpuPoint& gpus) {
  double util = 0.0;
  int util_count = 0;
  for (const GpuReading& gpu : gpus.gpus) {
    if (gpu.util_percent) {
      util += *gpu.util_percent;
      ++util_count;
    }
    if (gpu.fb_used_mib) point.fb_used_mib = point.fb_used_mib.value_or(0.0) + *gpu.fb_used_mib;
    if (gpu.power_w) point.power_w = point.power_w.value_or(0.0) + *gpu.power_w;
  }
  if (util_count > 0) point.gpu_util_percent = util / util_count;
}

std::vector<TelemetryPoint> build_series(const TelemetryCapture& capture) {
  std::vector<TelemetryPoint> series;
  for (const ServerPoint& server : capture.server) {
    TelemetryPoint point;
    point.t_s = server.t_s;
    point.kv_cache_usage = server.reading.kv_cache_usage;
    point.requests_running = server.reading.requests_running;
    point.requests_waiting = server.reading.requests_waiting;
    series.push_back(point);
  }
  // Each GPU round joins the nearest server point within half an interval that has none yet.
  const double tolerance_s = std::max(0.0, capture.interval_s) / 2.0;
  std::vector<bool> joined(series.size(), false);
  std::vector<TelemetryPoint> gpu_only;
  for (const GpuPoint& gpus : capture.gpu) {
    std::size_t best = series.size();
    for (std::size_t i = 0; i < series.size(); ++i) {
      const double distance = std::abs(series[i].t_s - gpus.t_s);
      if (!joined[i] && distance <= tolerance_s &&
          (best == series.size() || distance < std::abs(series[best].t_s - gpus.t_s))) {
        best = i;
      }
    }
    if (best < series.size()) {
      joined[best] = true;
      add_gpu_figures(series[best], gpus);
    } else {
      TelemetryPoint point;
      point.t_s = gpus.t_s;
      add_gpu_figures(point, gpus);
      gpu_only.push_back(point);
    }
  }
  series.insert(series.end(), gpu_only.begin(), gpu_only.end());
  std::stable_sort(series.begin(), series.end(),
                   [](const TelemetryPoint& a, const TelemetryPoint& b) { return a.t_s < b.t_s; });
  if (series.size() <= kMaxTelemetryPoints) return series;
  std::vector<TelemetryPoint> thinned;
  thinned.reserve(kMaxTelemetryPoints);
  const double step = static_cast<double>(series.size() - 1) / (kMaxTelemetryPoints - 1);
  for (std::size_t i = 0; i < kMaxTelemetryPoints; ++i) {
    thinned.push_back(series[static_cast<std::size_t>(std::lround(static_cast<double>(i) * step))]);
  }
  return thinned;
}

// --- Notes --------------------------------------------------------------------------------

void endpoint_notes(const EndpointStatus& endpoint, std::vector<std::string>& notes) {
  const std::string_view role = endpoint.role == EndpointRole::server ? "server" : "GPU";
  if (endpoint.failures > 0) {
    std::string kinds;
    if (endpoint.failures_by_kind.size() == 1) {
      kinds = endpoint.failures_by_kind.begin()->first;
    } else {
      std::vector<std::string> parts;
      for (const auto& [kind, count] : endpoint.failures_by_kind) {
        parts.push_back(fmt::format("{} {}", count, kind));
      }
      kinds = fmt::format("{}", fmt::join(parts, ", "));
    }
    std::string note = fmt::format("{} metrics {}: {} of {} scrapes failed", role, endpoint.url,
                                   endpoint.failures, endpoint.scrapes);
    if (!kinds.empty()) note += ": " + kinds;
    if (!endpoint.first_error.empty()) note += fmt::format(" (first: {})", endpoint.first_error);
    notes.push_back(std::move(note));
  }
  if (endpoint.skipped_lines > 0) {
    std::string note =
        fmt::format("{} metrics {}: {} unreadable line{} skipped", role, endpoint.url,
                    endpoint.skipped_lines, endpoint.skipped_lines == 1 ? "" : "s");
    if (!endpoint.first_skipped_line.empty()) {
      note += fmt::format(" (first: {})", endpoint.first_skipped_line);
    }
    notes.push_back(std::move(note));
  }
}

}  // namespace

TelemetrySummary summarise_telemetry(const TelemetryCapture& capture) {
  TelemetrySummary summary;
  summary.endpoints = capture.endpoints;
  summary.interval_s = std::isfinite(capture.interval_s) ? std::max(0.0, capture.interval_s) : 0.0;
  std::vector<std::string>& notes = summary.notes;

  if (!capture.server_missing_reason.empty()) {
    notes.push_back("server metrics: " + capture.server_missing_reason);
  }
  for (const EndpointStatus& endpoint : capture.endpoints) endpoint_notes(endpoint, notes);

  const auto scraped = [&](EndpointRole role) {
    return std::any_of(capture.endpoints.begin(), capture.endpoints.end(),
                       [&](const EndpointStatus& e) { return e.role == role && e.scrapes > 0; });
  };
  if (!capture.server.empty()) {
    summary.server = summarise_server(capture, notes);
  } else if (capture.server_missing_reason.empty() && scraped(EndpointRole::server)) {
    notes.emplace_back("server metrics: no successful scrape");
  }

  summary.gpus = summarise_gpus(capture);
  if (capture.gpu.empty() && scraped(EndpointRole::gpu)) {
    notes.emplace_back("GPU metrics: no successful scrape");
  } else if (!capture.gpu.empty() && summary.gpus.empty()) {
    notes.emplace_back("GPU metrics: the scrapes held no DCGM_FI_* field llmpace reads");
  }
  summary.series = build_series(capture);
  return summary;
}

}  // namespace llmpace::telemetry
