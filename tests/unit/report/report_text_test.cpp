#include "llmpace/report/report_text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using llmpace::ProfileKind;
using llmpace::report::benchmark_name;
using llmpace::report::BenchmarkReport;
using llmpace::report::error_kinds_text;
using llmpace::report::run_text;
using nlohmann::json;

TEST_CASE("benchmark_name: the profile, and the rate when there is one", "[report_text]") {
  BenchmarkReport benchmark;
  benchmark.profile = ProfileKind::synchronous;
  CHECK(benchmark_name(benchmark) == "synchronous");
  benchmark.profile = ProfileKind::constant;
  benchmark.rate = 2.5;
  CHECK(benchmark_name(benchmark) == "constant 2.50");
  benchmark.profile = ProfileKind::concurrent;
  benchmark.rate = 8;
  CHECK(benchmark_name(benchmark) == "concurrent 8");
}

TEST_CASE("error_kinds_text: kinds in name order with their counts", "[report_text]") {
  llmpace::metrics::BenchmarkMetrics metrics;
  CHECK(error_kinds_text(metrics).empty());
  metrics.errors_by_kind = {{"idle_timeout", 1}, {"http_status", 2}};
  CHECK(error_kinds_text(metrics) == "http_status 2, idle_timeout 1");
}

TEST_CASE("run_text: strings as they are, other JSON as JSON text", "[report_text]") {
  const json run = {{"target", "http://127.0.0.1:8000"},
                    {"streams", 8},
                    {"drain", true},
                    {"model", nullptr},
                    {"slo", {{"ttft_ms", 200}}}};
  CHECK(run_text(run, "target") == "http://127.0.0.1:8000");
  CHECK(run_text(run, "streams") == "8");
  CHECK(run_text(run, "drain") == "true");
  CHECK(run_text(run, "slo") == R"({"ttft_ms":200})");
  CHECK_FALSE(run_text(run, "model").has_value());  // null
  CHECK_FALSE(run_text(run, "api").has_value());    // absent
  CHECK_FALSE(run_text(json::array(), "target").has_value());
  CHECK_FALSE(run_text(json(), "target").has_value());
}
