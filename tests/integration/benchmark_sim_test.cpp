// End to end: the benchmark against the embedded simulator and against `llmpace sim` running as
// its own process, with the figures checked against what the simulator was told.
#include <catch2/catch.hpp>
#include <csignal>

#include "harness.hpp"
#include "support/timing.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

/// The checks of the acceptance run: every request successful with the requested output
/// length from server usage, TTFT and ITL medians within 10% of the simulator's settings.
void check_acceptance_report(const nlohmann::json& report, int requests, int output_tokens,
                             double ttft_ms, double itl_ms) {
  INFO(report.dump(2));
  REQUIRE(report["schema_version"] == 2);
  REQUIRE(report["benchmarks"].size() == 1);
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["requests"]["successful"] == requests);
  CHECK(benchmark["requests"]["errored"] == 0);
  CHECK(benchmark["requests"]["incomplete"] == 0);
  CHECK(benchmark["output_tokens_source"] == "server_usage");
  const auto& metrics = benchmark["metrics"];
  CHECK(metrics["output_tokens"]["count"] == requests);
  CHECK(metrics["output_tokens"]["min"] == output_tokens);
  CHECK(metrics["output_tokens"]["max"] == output_tokens);
  // Within 10% (late by a sanitizer's slack at most: the client cannot see a token early).
  CHECK(metrics["ttft_ms"]["p50"].get<double>() >= 0.9 * ttft_ms);
  CHECK(metrics["ttft_ms"]["p50"].get<double>() <= ttft_ms + relaxed_ms(0.1 * ttft_ms));
  CHECK(metrics["itl_ms"]["p50"].get<double>() >= 0.9 * itl_ms);
  CHECK(metrics["itl_ms"]["p50"].get<double>() <= itl_ms + relaxed_ms(0.1 * itl_ms));
  CHECK(metrics["itl_ms"]["count"] == requests * (output_tokens - 1));
  CHECK(benchmark["throughput"]["requests_per_s"].get<double>() > 0);
}

}  // namespace

TEST_CASE("benchmark against the embedded simulator: the acceptance run") {
  ScratchDir scratch;
  const auto result = run_to_exit(
      llmpace_binary(),
      {"benchmark", "--target", "sim", "--profile", "concurrent", "--rate", "8", "--max-requests",
       "200", "--data", "prompt_tokens=128,output_tokens=64", "--output", scratch.file("r.json")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.stdout_text, Contains("concurrent"));
  const auto report = read_json_file(scratch.file("r.json"));
  check_acceptance_report(report, 200, 64, 50.0, 10.0);
  CHECK(report["benchmarks"][0]["metrics"]["prompt_tokens"]["p50"] == 128);
  CHECK(report["run"]["target"] == "sim");
  CHECK(report["run"]["model"] == "llmpace-sim");
}

TEST_CASE("benchmark against `llmpace sim` as its own process over http://127.0.0.1") {
  auto sim = start_sim_process({"--ttft-ms", "40", "--itl-ms", "8", "--model", "sim-proc"});
  ScratchDir scratch;
  const auto report = run_benchmark_report(
      scratch, {"--target", sim.url, "--profile", "concurrent", "--rate", "8", "--max-requests",
                "200", "--data", "prompt_tokens=128,output_tokens=64"});
  check_acceptance_report(report, 200, 64, 40.0, 8.0);
  CHECK(report["run"]["model"] == "sim-proc");  // discovered through GET /v1/models

  sim.process->send_signal(SIGTERM);
  CHECK(sim.process->wait_for_exit(std::chrono::seconds(10)) == 0);
}

TEST_CASE("synchronous completions against `llmpace sim`") {
  auto sim = start_sim_process({"--ttft-ms", "5", "--itl-ms", "1"});
  ScratchDir scratch;
  const auto report =
      run_benchmark_report(scratch, {"--target", sim.url, "--api", "completions", "--max-requests",
                                     "10", "--data", "prompt_tokens=16,output_tokens=8"});
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["profile"] == "synchronous");
  CHECK(benchmark["rate"].is_null());
  CHECK(benchmark["requests"]["successful"] == 10);
  CHECK(benchmark["metrics"]["output_tokens"]["p50"] == 8);
  CHECK(report["run"]["api"] == "completions");
}
