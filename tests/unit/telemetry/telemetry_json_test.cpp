#include "llmpace/telemetry/telemetry_json.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"

using llmpace::ConfigError;
using llmpace::telemetry::BucketQuantile;
using llmpace::telemetry::CounterStats;
using llmpace::telemetry::EndpointRole;
using llmpace::telemetry::EndpointStatus;
using llmpace::telemetry::GaugeStats;
using llmpace::telemetry::GpuTelemetry;
using llmpace::telemetry::HistogramStats;
using llmpace::telemetry::ServerFlavor;
using llmpace::telemetry::ServerTelemetry;
using llmpace::telemetry::telemetry_from_json;
using llmpace::telemetry::telemetry_to_json;
using llmpace::telemetry::TelemetryPoint;
using llmpace::telemetry::TelemetrySummary;
using nlohmann::json;

namespace {

GaugeStats gauge(double base) { return {base, base * 2, base * 1.5, 12}; }

HistogramStats full_histogram() {
  HistogramStats histogram;
  histogram.count = 501;
  histogram.mean_ms = 123.25;
  histogram.reset = true;
  histogram.p50 = BucketQuantile{110.5, 100, 250};
  histogram.p90 = BucketQuantile{480, 250, 500};
  histogram.p99 = BucketQuantile{2560000, 2560000, std::nullopt};  // the +Inf bucket
  return histogram;
}

/// A summary with every optional set.
TelemetrySummary full_summary() {
  TelemetrySummary summary;
  summary.interval_s = 0.5;
  EndpointStatus server;
  server.url = "https://vllm.example:8443/metrics";
  server.scrapes = 31;
  server.failures = 2;
  server.failures_by_kind = {{"timeout", 1}, {"http_status", 1}};
  server.first_error = "GET /metrics answered 503";
  server.skipped_lines = 1;
  server.first_skipped_line = "line 7: no value";
  server.scrape_ms_max = 41.5;
  EndpointStatus gpu;
  gpu.role = EndpointRole::gpu;
  gpu.url = "http://dcgm:9400/metrics";
  gpu.scrapes = 31;
  summary.endpoints = {server, gpu};

  ServerTelemetry telemetry;
  telemetry.flavor = ServerFlavor::kserve_vllm;
  telemetry.readings = 29;
  telemetry.kv_cache_usage = gauge(0.25);
  telemetry.requests_running = gauge(40);
  telemetry.requests_waiting = gauge(3);
  telemetry.requests_waiting_by_reason = {{"capacity", gauge(2)}, {"deferred", gauge(1)}};
  telemetry.preemptions = CounterStats{12, 0.8, true};
  telemetry.prompt_tokens = CounterStats{51200, 3413.25, false};
  telemetry.generation_tokens = CounterStats{12800, 853.5, false};
  telemetry.prefix_cache_hit_rate = 0.125;
  telemetry.ttft = full_histogram();
  telemetry.itl = full_histogram();
  telemetry.tpot = full_histogram();
  telemetry.e2e = full_histogram();
  telemetry.queue_time = full_histogram();
  telemetry.kv_capacity_tokens = 262144;
  summary.server = telemetry;

  GpuTelemetry one;
  one.gpu = "0";
  one.uuid = "GPU-aaaa";
  one.model_name = "NVIDIA H100 80GB HBM3";
  one.hostname = "node-1";
  one.readings = 30;
  one.util_percent = gauge(45);
  one.gr_engine_active = gauge(0.4);
  one.tensor_active = gauge(0.2);
  one.dram_active = gauge(0.3);
  one.fb_used_mib = gauge(30000);
  one.fb_total_mib = 81559;
  one.fb_used_fraction = gauge(0.4);
  one.power_w = gauge(300);
  one.temp_c = gauge(30);
  one.sm_clock_mhz = gauge(900);
  summary.gpus = {one};

  TelemetryPoint first{-0.5, 0.0, 0.0, 0.0, 0.0, 1000, 70};
  TelemetryPoint second{0.5, 0.5, 12, 0, 88.5, 60000, 650.5};
  summary.series = {first, second};
  summary.notes = {"server metrics https://vllm.example:8443/metrics: 2 of 31 scrapes failed"};
  return summary;
}

/// Every null in the document, by path (the series' columns may hold some).
void collect_nulls(const json& value, const std::string& path, std::vector<std::string>& out) {
  if (value.is_null()) out.push_back(path);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) collect_nulls(child, path + "." + key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_nulls(value[i], path + "[" + std::to_string(i) + "]", out);
    }
  }
}

}  // namespace

TEST_CASE("telemetry json: a full summary round trips", "[telemetry_json]") {
  const TelemetrySummary summary = full_summary();
  const json written = telemetry_to_json(summary);
  const TelemetrySummary read = telemetry_from_json(written);
  CHECK(telemetry_to_json(read) == written);
  // Spot checks that the reader fills the fields, not only the writer.
  REQUIRE(read.server);
  CHECK(read.server->flavor == ServerFlavor::kserve_vllm);
  CHECK(read.server->ttft->p50->bucket_high_ms == 250);
  CHECK_FALSE(read.server->ttft->p99->bucket_high_ms);
  CHECK(read.server->requests_waiting_by_reason.at("capacity").mean == 2);
  CHECK(read.server->preemptions->reset);
  CHECK(read.endpoints.at(0).failures_by_kind.at("timeout") == 1);
  CHECK(read.endpoints.at(1).role == EndpointRole::gpu);
  CHECK(read.gpus.at(0).fb_total_mib == 81559);
  CHECK(read.series.at(0).t_s == -0.5);
  CHECK(read.series.at(1).power_w == 650.5);
  CHECK(read.notes == summary.notes);

  CHECK(written["server"]["ttft"]["p99"].contains("bucket_high_ms") == false);
  CHECK(written["series"]["t_s"] == json::array({-0.5, 0.5}));
  CHECK(written["series"]["gpu_util_percent"] == json::array({0.0, 88.5}));
}

TEST_CASE("telemetry json: absent figures are left out, never null", "[telemetry_json]") {
  TelemetrySummary summary;
  summary.notes = {"server metrics: --server-metrics off"};
  json written = telemetry_to_json(summary);
  CHECK_FALSE(written.contains("server"));
  CHECK(written["series"] == json{{"t_s", json::array()}});
  CHECK(written["gpus"] == json::array());

  ServerTelemetry sparse;
  sparse.flavor = ServerFlavor::llamacpp;
  sparse.requests_running = gauge(1);
  summary.server = sparse;
  TelemetryPoint point;
  point.t_s = 1;
  point.requests_running = 2;
  TelemetryPoint gpu_only;
  gpu_only.t_s = 1.2;
  gpu_only.gpu_util_percent = 10;
  summary.series = {point, gpu_only};
  written = telemetry_to_json(summary);
  CHECK(written["server"].contains("requests_running"));
  CHECK_FALSE(written["server"].contains("kv_cache_usage"));
  CHECK_FALSE(written["server"].contains("ttft"));
  CHECK_FALSE(written["server"].contains("prefix_cache_hit_rate"));
  CHECK_FALSE(written["series"].contains("kv_cache_usage"));  // no point has it
  std::vector<std::string> nulls;
  collect_nulls(written, "telemetry", nulls);
  CHECK(nulls == std::vector<std::string>{"telemetry.series.gpu_util_percent[0]",
                                          "telemetry.series.requests_running[1]"});
  const TelemetrySummary read = telemetry_from_json(written);
  CHECK(telemetry_to_json(read) == written);
  CHECK_FALSE(read.server->kv_cache_usage);
  CHECK_FALSE(read.series[0].gpu_util_percent);
  CHECK(read.series[1].gpu_util_percent == 10);
}

TEST_CASE("telemetry json: errors name the field by its path", "[telemetry_json]") {
  json written = telemetry_to_json(full_summary());
  const auto message_of = [](const json& document) {
    try {
      telemetry_from_json(document, "benchmarks[1].telemetry");
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  SECTION("a mistyped number") {
    written["server"]["ttft"]["p50"]["value_ms"] = "fast";
    CHECK(message_of(written) ==
          "field 'benchmarks[1].telemetry.server.ttft.p50.value_ms' should be a number, not a "
          "string");
  }
  SECTION("a missing field") {
    written["endpoints"][1].erase("scrapes");
    CHECK(message_of(written) == "field 'benchmarks[1].telemetry.endpoints[1].scrapes' is missing");
  }
  SECTION("a negative figure") {
    written["gpus"][0]["power_w"]["mean"] = -1;
    CHECK(message_of(written) ==
          "field 'benchmarks[1].telemetry.gpus[0].power_w.mean' should be a non-negative number");
  }
  SECTION("an unknown flavour") {
    written["server"]["flavor"] = "tgi";
    CHECK(message_of(written) ==
          "field 'benchmarks[1].telemetry.server.flavor' names an unknown flavor 'tgi'");
  }
  SECTION("a column of the wrong length") {
    written["series"]["power_w"].push_back(1);
    CHECK(message_of(written) ==
          "field 'benchmarks[1].telemetry.series.power_w' has 3 values for 2 times");
  }
  SECTION("null where an object belongs") {
    CHECK(message_of(json(nullptr)) ==
          "field 'benchmarks[1].telemetry' should be an object, not null");
  }
  SECTION("unknown fields are ignored") {
    written["server"]["something_new"] = 1;
    CHECK(message_of(written) == "no error");
  }
}
