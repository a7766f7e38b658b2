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

TEST_CASE("goodput: the requests that meet --slo, over the successful and the errored ones") {
  // Jittered delays spread TTFT and latency around the objectives; a third of requests fail.
  auto sim = start_sim_process(
      {"--ttft-ms", "20", "--itl-ms", "5", "--jitter", "0.3", "--fail-rate", "0.3", "--seed", "5"});
  ScratchDir scratch;
  const auto report = run_benchmark_report(
      scratch, {"--target", sim.url, "--profile", "concurrent", "--rate", "2", "--max-requests",
                "40", "--data", "prompt_tokens=16,output_tokens=8", "--slo",
                "ttft_ms=20,latency_ms=58", "-q", "--output", scratch.file("r.jsonl")});
  const auto& benchmark = report["benchmarks"][0];
  const int successful = benchmark["requests"]["successful"];
  const int errored = benchmark["requests"]["errored"];
  REQUIRE(errored > 0);
  REQUIRE(successful + errored == 40);
  // Judge each logged request by hand.
  int met = 0;
  for (const auto& request : read_json_lines(scratch.file("r.jsonl"))) {
    if (request["status"] != "successful") continue;
    if (request["ttft_ms"].get<double>() <= 20 && request["latency_ms"].get<double>() <= 58) ++met;
  }
  REQUIRE(met > 0);           // the objectives divide the requests,
  REQUIRE(met < successful);  // so a wrong rule would show
  const auto& goodput = benchmark["goodput"];
  INFO(goodput.dump());
  CHECK(goodput["slo"] == "ttft_ms=20,latency_ms=58");
  CHECK(goodput["requests_met"] == met);
  CHECK(goodput["fraction"].get<double>() == Approx(static_cast<double>(met) / 40));
  CHECK(goodput["requests_per_s"].get<double>() ==
        Approx(met / benchmark["duration_s"].get<double>()));
}

TEST_CASE("goodput: itl_mean_ms and latency_ms objectives judge the token spacing and the end") {
  // 30 ms to the first token, then 7 gaps of 5 ms: mean ITL 5 ms, latency about 65 ms.
  auto sim = start_sim_process({"--ttft-ms", "30", "--itl-ms", "5", "--jitter", "0"});
  ScratchDir scratch;
  const auto met_with = [&](const std::string& slo) {
    const auto report =
        run_benchmark_report(scratch, {"--target", sim.url, "--max-requests", "5", "--data",
                                       "prompt_tokens=16,output_tokens=8", "--slo", slo, "-q"});
    return report["benchmarks"][0]["goodput"]["requests_met"].get<int>();
  };
  CHECK(met_with("itl_mean_ms=3") == 0);
  CHECK(met_with("itl_mean_ms=10") == 5);  // below the TTFT: the spacing is what counts
  CHECK(met_with("latency_ms=40") == 0);   // above the TTFT: the end is what counts
  CHECK(met_with("latency_ms=1000") == 5);
}
