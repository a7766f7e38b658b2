#include "llmpace/prom/report_metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"

namespace llmpace::prom {
namespace {

constexpr double kNow = 1735787045.5;

const Grouping kGrouping{.suite = "mistral-small-24b", .variant = "int4", .scenario = "chat"};

RunInfo run_info() { return {.model = "mistral-small-24b", .labels = {{"quantization", "w4a16"}}}; }

telemetry::GaugeStats gauge(double mean, double max) {
  return {.mean = mean, .max = max, .p95 = max, .readings = 10};
}

/// The sample report with telemetry (two GPUs, server KV usage) on its constant benchmark and a
/// diagnosis on its first two benchmarks.
report::Report telemetry_report() {
  report::Report report = test::sample_report();
  telemetry::TelemetrySummary summary;
  telemetry::ServerTelemetry server;
  server.kv_cache_usage = gauge(0.61, 0.97);
  summary.server = server;
  for (const double fb_mib : {40000.0, 5000.5}) {
    telemetry::GpuTelemetry gpu;
    gpu.gpu = std::to_string(summary.gpus.size());
    gpu.fb_used_mib = gauge(fb_mib / 2, fb_mib);
    summary.gpus.push_back(gpu);
  }
  report.benchmarks[1].telemetry = summary;
  report.benchmarks[0].diagnosis.emplace().wall = telemetry::Wall::headroom;
  report.benchmarks[1].diagnosis.emplace().wall = telemetry::Wall::kv_cache;
  return report;
}

/// Every sample line's value.
std::vector<double> sample_values(const std::string& text) {
  std::vector<double> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() == '#') continue;
    values.push_back(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return values;
}

TEST_CASE("pushed families of a report match the golden exposition") {
  const std::string text =
      exposition_text(report_families(telemetry_report(), kGrouping, run_info(), kNow));
  const std::string name = "pushed_metrics.prom";
  if (test::updating_golden()) test::write_golden(name, text);
  CHECK(text == test::read_golden(name));
}

TEST_CASE("pushed quantiles and throughput are the report's figures in seconds") {
  const report::Report report = telemetry_report();
  const std::string text = exposition_text(report_families(report, kGrouping, run_info(), kNow));
  const auto& m = report.benchmarks[1].metrics;
  const std::string labels =
      "job=\"llmpace\",suite=\"mistral-small-24b\",variant=\"int4\",scenario=\"chat\","
      "model=\"mistral-small-24b\",benchmark=\"2\",profile=\"constant\"";
  std::ostringstream expected;
  expected.precision(16);
  expected << "llmpace_ttft_seconds{" << labels << ",quantile=\"0.99\"} " << m.ttft_ms.p99 / 1000;
  CHECK_THAT(text, Catch::Contains(expected.str() + "\n"));
  expected.str("");
  expected << "llmpace_output_tokens_per_second{" << labels << "} "
           << m.throughput.output_tokens_per_s;
  CHECK_THAT(text, Catch::Contains(expected.str() + "\n"));
  // Two GPUs' framebuffer maxima, summed, in bytes.
  CHECK_THAT(text,
             Catch::Contains("llmpace_gpu_memory_used_bytes{" + labels + "} " +
                             std::to_string(static_cast<long long>(45000.5 * 1048576)) + "\n"));
  CHECK_THAT(text,
             Catch::Contains("llmpace_diagnosis_info{" + labels + ",wall=\"kv_cache_wall\"} 1"));
  CHECK_THAT(text, Catch::Contains("llmpace_run_info{job=\"llmpace\",suite=\"mistral-small-24b\","
                                   "variant=\"int4\",scenario=\"chat\",model=\"mistral-small-24b\","
                                   "llmpace_version=\"0.1.0-test\",quantization=\"w4a16\"} 1"));
  CHECK_THAT(text,
             Catch::Contains("llmpace_last_success_timestamp_seconds{job=\"llmpace\","
                             "suite=\"mistral-small-24b\",variant=\"int4\","
                             "scenario=\"chat\",model=\"mistral-small-24b\"} 1735787045.5\n"));
}

TEST_CASE("a benchmark without successful requests pushes counts but no quantile, mean or NaN") {
  report::Report report;
  report.llmpace_version = "1";
  metrics::BenchmarkResult failed;
  failed.profile = ProfileKind::throughput;
  failed.start = test::at_ms(0);
  failed.end = test::at_ms(100);
  failed.records = {test::errored_record(0, ErrorKind::connect, 1),
                    test::errored_record(1, ErrorKind::connect, 2)};
  report.benchmarks.push_back(report::make_benchmark_report(failed));
  metrics::BenchmarkResult empty;  // zero duration, no request
  empty.profile = ProfileKind::synchronous;
  report.benchmarks.push_back(report::make_benchmark_report(empty));

  const std::string text = exposition_text(report_families(report, kGrouping, run_info(), kNow));
  CHECK_THAT(text, !Catch::Contains("llmpace_ttft_seconds"));
  CHECK_THAT(text, !Catch::Contains("_mean_seconds"));
  CHECK_THAT(text, !Catch::Contains("llmpace_last_success_timestamp_seconds"));
  CHECK_THAT(text, !Catch::Contains("llmpace_benchmark_rate"));  // neither has a rate
  CHECK_THAT(text,
             Catch::Contains("benchmark=\"1\",profile=\"throughput\",outcome=\"errored\"} 2"));
  CHECK_THAT(text, Catch::Contains("benchmark=\"1\",profile=\"throughput\",kind=\"connect\"} 2"));
  // The zero-duration benchmark has no throughput; the failed one has throughput 0.
  CHECK_THAT(text, Catch::Contains("llmpace_requests_per_second{"));
  CHECK_THAT(text, !Catch::Contains("benchmark=\"2\",profile=\"synchronous\"} "));
  for (const double value : sample_values(text)) {
    CHECK(std::isfinite(value));
    CHECK(value >= 0);
  }
}

TEST_CASE("every pushed value of the sample report is finite and not negative") {
  const std::string text =
      exposition_text(report_families(telemetry_report(), kGrouping, run_info(), kNow));
  const std::vector<double> values = sample_values(text);
  CHECK(values.size() > 50);
  for (const double value : values) {
    CHECK(std::isfinite(value));
    CHECK(value >= 0);
  }
}

TEST_CASE("push_request PUTs a successful run and POSTs only the failure time of a failed one") {
  const PushRequest success = push_request(telemetry_report(), kGrouping, run_info(), kNow);
  CHECK(success.method == "PUT");
  CHECK(success.path == "/metrics/job/llmpace/suite/mistral-small-24b/variant/int4/scenario/chat");
  CHECK_THAT(success.body, Catch::Contains("llmpace_last_success_timestamp_seconds{"));
  CHECK_THAT(success.body, !Catch::Contains("llmpace_last_failure_timestamp_seconds"));

  report::Report failed = test::sample_report();
  for (auto& benchmark : failed.benchmarks) benchmark.metrics.requests.successful = 0;
  const PushRequest failure = push_request(failed, kGrouping, run_info(), kNow);
  CHECK(failure.method == "POST");
  CHECK(failure.path == success.path);
  CHECK(failure.body ==
        "# HELP llmpace_last_failure_timestamp_seconds When the last run in which no request "
        "succeeded was pushed, Unix time\n"
        "# TYPE llmpace_last_failure_timestamp_seconds gauge\n"
        "llmpace_last_failure_timestamp_seconds{job=\"llmpace\",suite=\"mistral-small-24b\","
        "variant=\"int4\",scenario=\"chat\",model=\"mistral-small-24b\"} 1735787045.5\n");
}

}  // namespace
}  // namespace llmpace::prom
