// Telemetry end to end: the real binary scrapes the simulator's /metrics and /dcgm/metrics beside
// the load, and a metrics endpoint that is missing, answers garbage or hangs never stops a
// benchmark: the report says why telemetry is missing or partial (docs/telemetry.md).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <iterator>
#include <string>
#include <vector>

#include "capture_server.hpp"
#include "harness.hpp"
#include "metrics_stub.hpp"

using namespace llmpace::test;
using nlohmann::json;

namespace {

// vLLM's TTFT histogram bounds in ms (vllm/v1/metrics/loggers.py), as the simulator serves them.
constexpr std::array kTtftBoundsMs{1.0,     5.0,      10.0,     20.0,     40.0,    60.0,
                                   80.0,    100.0,    250.0,    500.0,    750.0,   1000.0,
                                   2500.0,  5000.0,   7500.0,   10000.0,  20000.0, 40000.0,
                                   80000.0, 160000.0, 640000.0, 2560000.0};

/// The index of the histogram bucket holding `value_ms` (the first bound >= it).
std::ptrdiff_t ttft_bucket(double value_ms) {
  return std::distance(kTtftBoundsMs.begin(),
                       std::lower_bound(kTtftBoundsMs.begin(), kTtftBoundsMs.end(), value_ms));
}

std::string joined_notes(const json& benchmark) {
  std::string text;
  for (const auto& note : benchmark.at("telemetry").at("notes"))
    text += note.get<std::string>() + "\n";
  return text;
}

const json& endpoint_of(const json& benchmark, const std::string& role) {
  for (const auto& endpoint : benchmark.at("telemetry").at("endpoints")) {
    if (endpoint.at("role") == role) return endpoint;
  }
  FAIL("no " << role << " endpoint in " << benchmark.at("telemetry").dump());
  throw;  // unreachable
}

double successful_output_tokens(const json& benchmark) {
  const json& output = benchmark.at("metrics").at("output_tokens");
  return output.at("mean").get<double>() * output.at("count").get<double>();
}

const std::vector<std::string> kShortLoad = {
    "--profile",      "concurrent", "--rate", "8",
    "--max-requests", "80",         "--data", "prompt_tokens=200,output_tokens=40",
    "--quiet"};

std::vector<std::string> with_short_load(std::vector<std::string> arguments) {
  arguments.insert(arguments.end(), kShortLoad.begin(), kShortLoad.end());
  return arguments;
}

}  // namespace

TEST_CASE("the simulator's vLLM and DCGM metrics are in the report and agree with the client",
          "[telemetry]") {
  ScratchDir scratch;
  const json report =
      run_benchmark_report(scratch, with_short_load({"--target", "sim", "--sim-preset", "fast"}));
  const json& benchmark = report.at("benchmarks").at(0);
  INFO(benchmark.at("telemetry").dump(1));
  REQUIRE(benchmark.at("requests").at("successful") == 80);
  const json& server = benchmark.at("telemetry").at("server");
  CHECK(server.at("flavor") == "vllm");
  // A scrape just before and just after the benchmark: the counters cover exactly its requests.
  CHECK(server.at("generation_tokens").at("delta").get<double>() ==
        Approx(successful_output_tokens(benchmark)).margin(0.5));
  CHECK(server.at("generation_tokens").at("delta").get<double>() == Approx(80 * 40).margin(0.5));
  CHECK(server.at("kv_capacity_tokens").get<double>() == 4096);
  CHECK(server.at("ttft").at("count").get<double>() == 80);

  // The server's TTFT p50 from its histogram's delta lies within one bucket of the client's.
  const double client_p50_ms = benchmark.at("metrics").at("ttft_ms").at("p50").get<double>();
  const double server_p50_ms = server.at("ttft").at("p50").at("value_ms").get<double>();
  INFO("client TTFT p50 " << client_p50_ms << " ms, server " << server_p50_ms << " ms");
  CHECK(std::abs(ttft_bucket(client_p50_ms) - ttft_bucket(server_p50_ms)) <= 1);

  const json& gpus = benchmark.at("telemetry").at("gpus");
  REQUIRE(gpus.size() == 1);
  CHECK(gpus.at(0).contains("util_percent"));
  CHECK(gpus.at(0).contains("fb_used_mib"));
  CHECK(endpoint_of(benchmark, "server").at("failures") == 0);
  CHECK(endpoint_of(benchmark, "gpu").at("failures") == 0);
  CHECK(benchmark.at("diagnosis").at("client_data_only") == false);
}

TEST_CASE("a target without /metrics runs normally and the report says why", "[telemetry]") {
  CaptureServer target;  // answers 404 to GET /metrics
  ScratchDir scratch;
  const json report =
      run_benchmark_report(scratch, {"--target", target.url(), "--profile", "synchronous",
                                     "--max-requests", "3", "--tokenizer", "approx", "--quiet"});
  const json& benchmark = report.at("benchmarks").at(0);
  CHECK(benchmark.at("requests").at("successful") == 3);
  CHECK_FALSE(benchmark.at("telemetry").contains("server"));
  CHECK_THAT(joined_notes(benchmark), Catch::Contains("404"));
  // Tried once, then dropped: the target is not scraped during the benchmark.
  const auto requests = target.requests();
  CHECK(std::count_if(requests.begin(), requests.end(), [](const CapturedRequest& request) {
          return request.target == "/metrics";
        }) == 1);
  CHECK(benchmark.at("diagnosis").at("client_data_only") == true);
}

TEST_CASE("a metrics endpoint that answers HTML is counted as not Prometheus", "[telemetry]") {
  auto sim = start_sim_process({});
  MetricsStub garbage(MetricsStub::Mode::answer, 200, "<html><body>Sign in</body></html>",
                      "text/html");
  ScratchDir scratch;
  const json report = run_benchmark_report(
      scratch, with_short_load({"--target", sim.url, "--server-metrics", garbage.url()}));
  const json& benchmark = report.at("benchmarks").at(0);
  CHECK(benchmark.at("requests").at("successful") == 80);
  const json& endpoint = endpoint_of(benchmark, "server");
  CHECK(endpoint.at("failures").get<int>() >= 2);  // before and after the benchmark at least
  CHECK(endpoint.at("failures_by_kind").at("not_prometheus") == endpoint.at("failures"));
  CHECK_THAT(joined_notes(benchmark), Catch::Contains("not_prometheus"));
  CHECK_FALSE(benchmark.at("telemetry").contains("server"));
}

TEST_CASE("a metrics endpoint that never answers times out and the benchmark runs on",
          "[telemetry]") {
  auto sim = start_sim_process({});
  MetricsStub silent(MetricsStub::Mode::hang);
  ScratchDir scratch;
  const json report =
      run_benchmark_report(scratch, with_short_load({"--target", sim.url, "--server-metrics",
                                                     silent.url(), "--scrape-interval", "0.5"}));
  const json& benchmark = report.at("benchmarks").at(0);
  CHECK(benchmark.at("requests").at("successful") == 80);
  const json& endpoint = endpoint_of(benchmark, "server");
  CHECK(endpoint.at("failures").get<int>() >= 2);
  const json& kinds = endpoint.at("failures_by_kind");
  INFO(kinds.dump());
  CHECK((kinds.contains("header_timeout") || kinds.contains("request_timeout")));
  CHECK(!silent.requests().empty());
}

TEST_CASE("metrics credentials go to the metrics endpoint, the target's stay with the target",
          "[telemetry]") {
  auto sim = start_sim_process({});
  MetricsStub other_origin(MetricsStub::Mode::answer, 200, "vllm:num_requests_running 0\n");
  ScratchDir scratch;
  const std::string target_key = "target-key-4fe1";
  const std::string metrics_key = "metrics-key-9b07";
  run_benchmark_report(scratch, {"--target", sim.url, "--api-key", target_key, "--server-metrics",
                                 other_origin.url(), "--metrics-api-key", metrics_key,
                                 "--metrics-header", "X-Scope-OrgID: tenant-a", "--profile",
                                 "synchronous", "--max-requests", "2", "--quiet"});
  const auto requests = other_origin.requests();
  REQUIRE(!requests.empty());
  for (const std::string& head : requests) {
    CHECK_THAT(head, Catch::Contains("Bearer " + metrics_key));
    CHECK_THAT(head, Catch::Contains("X-Scope-OrgID: tenant-a"));
    CHECK_THAT(head, !Catch::Contains(target_key));
  }
  const std::string written = read_json_file(scratch.file("r.json")).dump();
  CHECK_THAT(written, !Catch::Contains(target_key));
  CHECK_THAT(written, !Catch::Contains(metrics_key));
}

TEST_CASE("old vLLM names and llama.cpp's give the report fields current vLLM gives",
          "[telemetry]") {
  const auto server_of = [](const std::string& flavor) {
    auto sim = start_sim_process({"--preset", "fast", "--metrics-flavor", flavor});
    ScratchDir scratch;
    const json report = run_benchmark_report(scratch, with_short_load({"--target", sim.url}));
    const json& benchmark = report.at("benchmarks").at(0);
    INFO(flavor << ": " << benchmark.at("telemetry").dump(1));
    REQUIRE(benchmark.at("telemetry").contains("server"));
    json server = benchmark.at("telemetry").at("server");
    CHECK(server.at("generation_tokens").at("delta").get<double>() ==
          Approx(successful_output_tokens(benchmark)).margin(0.5));
    return server;
  };
  const json current = server_of("vllm");
  const json legacy = server_of("vllm-legacy");
  const json llamacpp = server_of("llamacpp");
  CHECK(legacy.at("flavor") == "vllm_legacy");
  CHECK(llamacpp.at("flavor") == "llamacpp");
  std::vector<std::string> current_fields;
  for (const auto& [key, value] : current.items()) current_fields.push_back(key);
  for (const std::string& field : current_fields) {
    if (field == "flavor") continue;
    CHECK((legacy.contains(field) || field == "readings"));
  }
  // llama.cpp has no histograms and no preemption, prefix-cache or capacity figures; what it
  // has lands in the same fields.
  for (const std::string field : {"kv_cache_usage", "requests_running", "requests_waiting",
                                  "prompt_tokens", "generation_tokens"}) {
    INFO(field);
    CHECK(current.contains(field));
    CHECK(llamacpp.contains(field));
  }
}

TEST_CASE("between benchmarks the run waits for the server to be idle and records it",
          "[telemetry]") {
  ScratchDir scratch;
  const json report =
      run_benchmark_report(scratch, {"--target", "sim", "--sim-preset", "fast", "--profile",
                                     "concurrent", "--rate", "2,16", "--max-requests", "40",
                                     "--data", "prompt_tokens=200,output_tokens=40", "--quiet"});
  const json& benchmarks = report.at("benchmarks");
  REQUIRE(benchmarks.size() == 2);
  CHECK(benchmarks.at(0).at("settle").is_null());
  const json& settle = benchmarks.at(1).at("settle");
  CHECK(settle.at("method") == "server_idle");
  CHECK(settle.at("reached") == true);
  CHECK(settle.at("waited_s").get<double>() >= 0);
  CHECK(report.at("diagnosis").is_object());
}
