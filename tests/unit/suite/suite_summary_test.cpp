// The suite's outcome: summary.json, the closing lines and the exit code.
#include "llmpace/suite/suite_summary.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::suite;
using Catch::Matchers::Contains;

namespace {

scenario::SuiteFile suite_file() {
  return scenario::parse_suite(
      "suite: s\nscenarios: [chat.yaml]\n"
      "variants: [{name: bf16, labels: {quantization: bf16}}, {name: int4}]\n"
      "regression: {ttft_ms_p99: +10%}\n",
      "s.yaml");
}

report::Report measured(double ttft_p99_ms) {
  report::BenchmarkReport benchmark;
  benchmark.profile = ProfileKind::concurrent;
  benchmark.rate = 4;
  benchmark.metrics.requests.successful = 20;
  benchmark.metrics.ttft_ms.count = 20;
  benchmark.metrics.ttft_ms.p99 = ttft_p99_ms;
  benchmark.metrics.throughput.output_tokens_per_s = 321.5;
  report::Report out;
  out.run = {{"model", "m"}, {"target", "sim"}};
  out.benchmarks.push_back(benchmark);
  return out;
}

JobOutcome ok(std::string variant, double ttft_p99_ms) {
  JobOutcome job;
  job.variant = std::move(variant);
  job.scenario = "chat";
  job.status = JobStatus::ok;
  job.report = measured(ttft_p99_ms);
  job.files = {job.variant + "/chat.json"};
  return job;
}

}  // namespace

TEST_CASE("summary.json holds every run's key figures, status and regressions") {
  SuiteRun run;
  run.started_at = "2026-12-05T00:00:00Z";
  run.finished_at = "2026-12-05T00:10:00Z";
  run.run_directory = "20261205T000000Z";
  run.baseline = "results/s/20261204T000000Z";
  JobOutcome bf16 = ok("bf16", 150);
  bf16.baseline_file = "results/s/20261204T000000Z/bf16/chat.json";
  bf16.regression.compared = 1;
  bf16.regression.regressions.push_back(
      {1, ProfileKind::concurrent, "ttft_ms_p99", 100, 150, 0.5, suite_file().regression[0]});
  JobOutcome int4;
  int4.variant = "int4";
  int4.scenario = "chat";
  int4.status = JobStatus::failed;
  int4.error = "cannot connect to http://int4:8080 (connection refused)";

  const nlohmann::json summary = suite_summary(suite_file(), run, {bf16, int4});
  CHECK(summary["suite"] == "s");
  CHECK(summary["exit_code"] == kExitRunFailed);  // a failure outranks a regression
  CHECK(
      summary["variants"][0] ==
      nlohmann::json({{"name", "bf16"}, {"labels", {{"quantization", "bf16"}}}, {"status", "ok"}}));
  CHECK(summary["variants"][1]["status"] == "failed");
  const nlohmann::json& first = summary["results"][0];
  CHECK(first["status"] == "ok");
  CHECK(first["model"] == "m");
  CHECK(first["benchmarks"][0]["profile"] == "concurrent");
  CHECK(first["benchmarks"][0]["figures"]["ttft_ms_p99"] == 150.0);
  CHECK(first["benchmarks"][0]["figures"]["output_tokens_per_s"] == 321.5);
  CHECK(first["baseline"]["compared"] == 1);
  CHECK(summary["results"][1]["error"] == int4.error);
  CHECK(summary["results"][1]["benchmarks"].empty());
  REQUIRE(summary["regressions"].size() == 1);
  CHECK(summary["regressions"][0]["variant"] == "bf16");
  CHECK(summary["regressions"][0]["metric"] == "ttft_ms_p99");
  CHECK(summary["regressions"][0]["change_percent"] == Approx(50.0));
  CHECK(summary["regressions"][0]["tolerance"] == "+10%");
  CHECK(summary["tolerances"] == nlohmann::json({{"ttft_ms_p99", "+10%"}}));

  const std::string text = render_suite_outcome(suite_file(), run, {bf16, int4});
  CHECK_THAT(text, Contains("bf16/chat") && Contains("1 regressed") && Contains("150.0 ms") &&
                       Contains("int4/chat") && Contains("failed: cannot connect") &&
                       Contains("ttft_ms_p99 rose 50.0 %") && Contains("1 of 2 runs failed"));
}

TEST_CASE("the exit code: interrupted, then failed, then regressed, else 0") {
  SuiteRun run;
  JobOutcome good = ok("bf16", 100);
  JobOutcome regressed = ok("int4", 200);
  regressed.regression.regressions.push_back(
      {1, ProfileKind::concurrent, "ttft_ms_p99", 100, 200, 1.0, suite_file().regression[0]});
  JobOutcome failed;
  failed.status = JobStatus::failed;
  CHECK(suite_exit_code(run, {good}) == kExitOk);
  CHECK(suite_exit_code(run, {good, regressed}) == kExitRegression);
  CHECK(suite_exit_code(run, {good, regressed, failed}) == kExitRunFailed);
  run.interrupted = true;
  CHECK(suite_exit_code(run, {good, regressed, failed}) == kExitInterrupted);
}
