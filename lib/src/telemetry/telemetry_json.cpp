// TelemetrySummary <-> JSON. Tables of pointers to members drive both directions, so a field
// added to a table is written and read back alike.
#include "llmpace/telemetry/telemetry_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "llmpace/core/error.hpp"

namespace llmpace::telemetry {
namespace {

using nlohmann::json;

// --- Tables ---------------------------------------------------------------------------------

template <typename Owner, typename Value>
struct Field {
  std::string_view name;
  Value Owner::*member;
};

constexpr Field<GaugeStats, double> kGaugeNumbers[] = {
    {"mean", &GaugeStats::mean}, {"max", &GaugeStats::max}, {"p95", &GaugeStats::p95}};

constexpr Field<ServerTelemetry, std::optional<GaugeStats>> kServerGauges[] = {
    {"kv_cache_usage", &ServerTelemetry::kv_cache_usage},
    {"requests_running", &ServerTelemetry::requests_running},
    {"requests_waiting", &ServerTelemetry::requests_waiting},
};
constexpr Field<ServerTelemetry, std::optional<CounterStats>> kServerCounters[] = {
    {"preemptions", &ServerTelemetry::preemptions},
    {"prompt_tokens", &ServerTelemetry::prompt_tokens},
    {"generation_tokens", &ServerTelemetry::generation_tokens},
};
constexpr Field<ServerTelemetry, std::optional<HistogramStats>> kServerHistograms[] = {
    {"ttft", &ServerTelemetry::ttft},
    {"itl", &ServerTelemetry::itl},
    {"tpot", &ServerTelemetry::tpot},
    {"e2e", &ServerTelemetry::e2e},
    {"queue_time", &ServerTelemetry::queue_time},
};
constexpr Field<ServerTelemetry, std::optional<double>> kServerNumbers[] = {
    {"prefix_cache_hit_rate", &ServerTelemetry::prefix_cache_hit_rate},
    {"kv_capacity_tokens", &ServerTelemetry::kv_capacity_tokens},
};
constexpr Field<HistogramStats, std::optional<BucketQuantile>> kQuantiles[] = {
    {"p50", &HistogramStats::p50}, {"p90", &HistogramStats::p90}, {"p99", &HistogramStats::p99}};

constexpr Field<GpuTelemetry, std::string> kGpuLabels[] = {
    {"gpu", &GpuTelemetry::gpu},
    {"uuid", &GpuTelemetry::uuid},
    {"model_name", &GpuTelemetry::model_name},
    {"hostname", &GpuTelemetry::hostname},
};
constexpr Field<GpuTelemetry, std::optional<GaugeStats>> kGpuGauges[] = {
    {"util_percent", &GpuTelemetry::util_percent},
    {"gr_engine_active", &GpuTelemetry::gr_engine_active},
    {"tensor_active", &GpuTelemetry::tensor_active},
    {"dram_active", &GpuTelemetry::dram_active},
    {"fb_used_mib", &GpuTelemetry::fb_used_mib},
    {"fb_used_fraction", &GpuTelemetry::fb_used_fraction},
    {"power_w", &GpuTelemetry::power_w},
    {"temp_c", &GpuTelemetry::temp_c},
    {"sm_clock_mhz", &GpuTelemetry::sm_clock_mhz},
};

constexpr Field<TelemetryPoint, std::optional<double>> kSeriesColumns[] = {
    {"kv_cache_usage", &TelemetryPoint::kv_cache_usage},
    {"requests_running", &TelemetryPoint::requests_running},
    {"requests_waiting", &TelemetryPoint::requests_waiting},
    {"gpu_util_percent", &TelemetryPoint::gpu_util_percent},
    {"fb_used_mib", &TelemetryPoint::fb_used_mib},
    {"power_w", &TelemetryPoint::power_w},
};

constexpr Field<EndpointStatus, std::string> kEndpointStrings[] = {
    {"url", &EndpointStatus::url},
    {"first_error", &EndpointStatus::first_error},
    {"first_skipped_line", &EndpointStatus::first_skipped_line},
};
constexpr Field<EndpointStatus, std::size_t> kEndpointCounts[] = {
    {"scrapes", &EndpointStatus::scrapes},
    {"failures", &EndpointStatus::failures},
    {"skipped_lines", &EndpointStatus::skipped_lines},
};

// --- Writing --------------------------------------------------------------------------------

json gauge_to_json(const GaugeStats& gauge) {
  json object = json::object();
  for (const auto& field : kGaugeNumbers) object[std::string(field.name)] = gauge.*field.member;
  object["readings"] = gauge.readings;
  return object;
}

json counter_to_json(const CounterStats& counter) {
  return {{"delta", counter.delta}, {"per_s", counter.per_s}, {"reset", counter.reset}};
}

json histogram_to_json(const HistogramStats& histogram) {
  json object = {
      {"count", histogram.count}, {"mean_ms", histogram.mean_ms}, {"reset", histogram.reset}};
  for (const auto& field : kQuantiles) {
    if (const std::optional<BucketQuantile>& quantile = histogram.*field.member) {
      json one = {{"value_ms", quantile->value_ms}, {"bucket_low_ms", quantile->bucket_low_ms}};
      if (quantile->bucket_high_ms) one["bucket_high_ms"] = *quantile->bucket_high_ms;
      object[std::string(field.name)] = std::move(one);
    }
  }
  return object;
}

json server_to_json(const ServerTelemetry& server) {
  json object = {{"flavor", std::string(to_string(server.flavor))}, {"readings", server.readings}};
  for (const auto& field : kServerGauges) {
    if (const auto& gauge = server.*field.member) {
      object[std::string(field.name)] = gauge_to_json(*gauge);
    }
  }
  json by_reason = json::object();
  for (const auto& [reason, gauge] : server.requests_waiting_by_reason) {
    by_reason[reason] = gauge_to_json(gauge);
  }
  object["requests_waiting_by_reason"] = std::move(by_reason);
  for (const auto& field : kServerCounters) {
    if (const auto& counter = server.*field.member) {
      object[std::string(field.name)] = counter_to_json(*counter);
    }
  }
  for (const auto& field : kServerHistograms) {
    if (const auto& histogram = server.*field.member) {
      object[std::string(field.name)] = histogram_to_json(*histogram);
    }
  }
  for (const auto& field : kServerNumbers) {
    if (const auto& number = server.*field.member) object[std::string(field.name)] = *number;
  }
  return object;
}

json gpu_to_json(const GpuTelemetry& gpu) {
  json object = json::object();
  for (const auto& field : kGpuLabels) object[std::string(field.name)] = gpu.*field.member;
  object["readings"] = gpu.readings;
  for (const auto& field : kGpuGauges) {
    if (const auto& gauge = gpu.*field.member) {
      object[std::string(field.name)] = gauge_to_json(*gauge);
    }
  }
  if (gpu.fb_total_mib) object["fb_total_mib"] = *gpu.fb_total_mib;
  return object;
}

json series_to_json(const std::vector<TelemetryPoint>& series) {
  json t_s = json::array();
  for (const TelemetryPoint& point : series) t_s.push_back(point.t_s);
  json object = {{"t_s", std::move(t_s)}};
  for (const auto& field : kSeriesColumns) {
    json column = json::array();
    bool any = false;
    for (const TelemetryPoint& point : series) {
      const std::optional<double>& value = point.*field.member;
      column.push_back(value ? json(*value) : json(nullptr));
      any = any || value.has_value();
    }
    if (any) object[std::string(field.name)] = std::move(column);
  }
  return object;
}

json endpoint_to_json(const EndpointStatus& endpoint) {
  json object = {{"role", std::string(to_string(endpoint.role))}};
  for (const auto& field : kEndpointStrings) {
    object[std::string(field.name)] = endpoint.*field.member;
  }
  for (const auto& field : kEndpointCounts) {
    object[std::string(field.name)] = endpoint.*field.member;
  }
  object["failures_by_kind"] = endpoint.failures_by_kind;
  object["scrape_ms_max"] = endpoint.scrape_ms_max;
  return object;
}

// --- Reading --------------------------------------------------------------------------------

std::string child(std::string_view parent, std::string_view key) {
  return fmt::format("{}.{}", parent, key);
}

std::string element(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

[[noreturn]] void fail(std::string_view path, std::string_view problem) {
  throw ConfigError(fmt::format("field '{}' {}", path, problem));
}

std::string describe(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_null()) return "null";
  return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a",
                     value.type_name());
}

[[noreturn]] void wrong_type(std::string_view path, const json& value, std::string_view expected) {
  fail(path, fmt::format("should be {}, not {}", expected, describe(value)));
}

const json& expect_object(const json& value, std::string_view path) {
  if (!value.is_object()) wrong_type(path, value, "an object");
  return value;
}

const json& expect_array(const json& value, std::string_view path) {
  if (!value.is_array()) wrong_type(path, value, "an array");
  return value;
}

/// The member `key` of `object`; missing is an error.
const json& required(const json& object, std::string_view parent, std::string_view key) {
  const auto found = object.find(key);
  if (found == object.end()) fail(child(parent, key), "is missing");
  return *found;
}

/// A finite, non-negative number (the summary never holds another).
double number_value(const json& value, std::string_view path) {
  if (!value.is_number()) wrong_type(path, value, "a number");
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < 0.0) fail(path, "should be a non-negative number");
  return number;
}

double number(const json& object, std::string_view parent, std::string_view key) {
  return number_value(required(object, parent, key), child(parent, key));
}

std::optional<double> optional_number(const json& object, std::string_view parent,
                                      std::string_view key) {
  const auto found = object.find(key);
  if (found == object.end()) return std::nullopt;
  return number_value(*found, child(parent, key));
}

std::size_t count_value(const json& value, std::string_view path) {
  if (!value.is_number_unsigned()) wrong_type(path, value, "a non-negative integer");
  return value.get<std::size_t>();
}

std::size_t count(const json& object, std::string_view parent, std::string_view key) {
  return count_value(required(object, parent, key), child(parent, key));
}

std::string string_value(const json& value, std::string_view path) {
  if (!value.is_string()) wrong_type(path, value, "a string");
  return value.get<std::string>();
}

std::string string(const json& object, std::string_view parent, std::string_view key) {
  return string_value(required(object, parent, key), child(parent, key));
}

bool boolean(const json& object, std::string_view parent, std::string_view key) {
  const json& value = required(object, parent, key);
  if (!value.is_boolean()) wrong_type(child(parent, key), value, "true or false");
  return value.get<bool>();
}

/// Calls read(value, path) for `key` when present, which must then be an object.
template <typename Read>
auto optional_object(const json& object, std::string_view parent, std::string_view key, Read read)
    -> std::optional<decltype(read(object, std::string_view{}))> {
  const auto found = object.find(key);
  if (found == object.end()) return std::nullopt;
  const std::string path = child(parent, key);
  return read(expect_object(*found, path), path);
}

GaugeStats gauge_from_json(const json& object, std::string_view path) {
  GaugeStats gauge;
  for (const auto& field : kGaugeNumbers) gauge.*field.member = number(object, path, field.name);
  gauge.readings = count(object, path, "readings");
  return gauge;
}

CounterStats counter_from_json(const json& object, std::string_view path) {
  CounterStats counter;
  counter.delta = number(object, path, "delta");
  counter.per_s = number(object, path, "per_s");
  counter.reset = boolean(object, path, "reset");
  return counter;
}

BucketQuantile quantile_from_json(const json& object, std::string_view path) {
  BucketQuantile quantile;
  quantile.value_ms = number(object, path, "value_ms");
  quantile.bucket_low_ms = number(object, path, "bucket_low_ms");
  quantile.bucket_high_ms = optional_number(object, path, "bucket_high_ms");
  return quantile;
}

HistogramStats histogram_from_json(const json& object, std::string_view path) {
  HistogramStats histogram;
  histogram.count = number(object, path, "count");
  histogram.mean_ms = number(object, path, "mean_ms");
  histogram.reset = boolean(object, path, "reset");
  for (const auto& field : kQuantiles) {
    histogram.*field.member = optional_object(object, path, field.name, quantile_from_json);
  }
  return histogram;
}

ServerTelemetry server_from_json(const json& object, std::string_view path) {
  ServerTelemetry server;
  const std::string flavor = string(object, path, "flavor");
  const std::optional<ServerFlavor> parsed = parse_server_flavor(flavor);
  if (!parsed) fail(child(path, "flavor"), fmt::format("names an unknown flavor '{}'", flavor));
  server.flavor = *parsed;
  server.readings = count(object, path, "readings");
  for (const auto& field : kServerGauges) {
    server.*field.member = optional_object(object, path, field.name, gauge_from_json);
  }
  const std::string reasons_path = child(path, "requests_waiting_by_reason");
  const json& reasons =
      expect_object(required(object, path, "requests_waiting_by_reason"), reasons_path);
  for (const auto& [reason, gauge] : reasons.items()) {
    const std::string gauge_path = child(reasons_path, reason);
    server.requests_waiting_by_reason.emplace(
        reason, gauge_from_json(expect_object(gauge, gauge_path), gauge_path));
  }
  for (const auto& field : kServerCounters) {
    server.*field.member = optional_object(object, path, field.name, counter_from_json);
  }
  for (const auto& field : kServerHistograms) {
    server.*field.member = optional_object(object, path, field.name, histogram_from_json);
  }
  for (const auto& field : kServerNumbers) {
    server.*field.member = optional_number(object, path, field.name);
  }
  return server;
}

GpuTelemetry gpu_from_json(const json& object, std::string_view path) {
  GpuTelemetry gpu;
  for (const auto& field : kGpuLabels) gpu.*field.member = string(object, path, field.name);
  gpu.readings = count(object, path, "readings");
  for (const auto& field : kGpuGauges) {
    gpu.*field.member = optional_object(object, path, field.name, gauge_from_json);
  }
  gpu.fb_total_mib = optional_number(object, path, "fb_total_mib");
  return gpu;
}

std::vector<TelemetryPoint> series_from_json(const json& object, std::string_view path) {
  const std::string t_path = child(path, "t_s");
  const json& times = expect_array(required(object, path, "t_s"), t_path);
  std::vector<TelemetryPoint> series(times.size());
  for (std::size_t i = 0; i < times.size(); ++i) {
    // Times may be negative (the baseline), so not number_value().
    const std::string point_path = element(t_path, i);
    if (!times[i].is_number()) wrong_type(point_path, times[i], "a number");
    series[i].t_s = times[i].get<double>();
    if (!std::isfinite(series[i].t_s)) fail(point_path, "should be a finite number");
  }
  for (const auto& field : kSeriesColumns) {
    const auto found = object.find(field.name);
    if (found == object.end()) continue;
    const std::string column_path = child(path, field.name);
    const json& column = expect_array(*found, column_path);
    if (column.size() != series.size()) {
      fail(column_path, fmt::format("has {} values for {} times", column.size(), series.size()));
    }
    for (std::size_t i = 0; i < column.size(); ++i) {
      if (!column[i].is_null()) {
        series[i].*field.member = number_value(column[i], element(column_path, i));
      }
    }
  }
  return series;
}

EndpointStatus endpoint_from_json(const json& object, std::string_view path) {
  EndpointStatus endpoint;
  const std::string role = string(object, path, "role");
  if (role == to_string(EndpointRole::server)) {
    endpoint.role = EndpointRole::server;
  } else if (role == to_string(EndpointRole::gpu)) {
    endpoint.role = EndpointRole::gpu;
  } else {
    fail(child(path, "role"), fmt::format("names an unknown role '{}'", role));
  }
  for (const auto& field : kEndpointStrings) {
    endpoint.*field.member = string(object, path, field.name);
  }
  for (const auto& field : kEndpointCounts) {
    endpoint.*field.member = count(object, path, field.name);
  }
  const std::string kinds_path = child(path, "failures_by_kind");
  const json& kinds = expect_object(required(object, path, "failures_by_kind"), kinds_path);
  for (const auto& [kind, value] : kinds.items()) {
    endpoint.failures_by_kind.emplace(kind, count_value(value, child(kinds_path, kind)));
  }
  endpoint.scrape_ms_max = number(object, path, "scrape_ms_max");
  return endpoint;
}

}  // namespace

json telemetry_to_json(const TelemetrySummary& summary) {
  json endpoints = json::array();
  for (const EndpointStatus& endpoint : summary.endpoints) {
    endpoints.push_back(endpoint_to_json(endpoint));
  }
  json gpus = json::array();
  for (const GpuTelemetry& gpu : summary.gpus) gpus.push_back(gpu_to_json(gpu));
  json object = {
      {"interval_s", summary.interval_s}, {"endpoints", std::move(endpoints)},
      {"gpus", std::move(gpus)},          {"series", series_to_json(summary.series)},
      {"notes", summary.notes},
  };
  if (summary.server) object["server"] = server_to_json(*summary.server);
  return object;
}

TelemetrySummary telemetry_from_json(const json& object, std::string_view path) {
  expect_object(object, path);
  TelemetrySummary summary;
  summary.interval_s = number(object, path, "interval_s");
  const std::string endpoints_path = child(path, "endpoints");
  const json& endpoints = expect_array(required(object, path, "endpoints"), endpoints_path);
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const std::string endpoint_path = element(endpoints_path, i);
    summary.endpoints.push_back(
        endpoint_from_json(expect_object(endpoints[i], endpoint_path), endpoint_path));
  }
  summary.server = optional_object(object, path, "server", server_from_json);
  const std::string gpus_path = child(path, "gpus");
  const json& gpus = expect_array(required(object, path, "gpus"), gpus_path);
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    const std::string gpu_path = element(gpus_path, i);
    summary.gpus.push_back(gpu_from_json(expect_object(gpus[i], gpu_path), gpu_path));
  }
  const std::string series_path = child(path, "series");
  summary.series =
      series_from_json(expect_object(required(object, path, "series"), series_path), series_path);
  const std::string notes_path = child(path, "notes");
  const json& notes = expect_array(required(object, path, "notes"), notes_path);
  for (std::size_t i = 0; i < notes.size(); ++i) {
    summary.notes.push_back(string_value(notes[i], element(notes_path, i)));
  }
  return summary;
}

}  // namespace llmpace::telemetry
