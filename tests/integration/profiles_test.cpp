// The arrival profiles end to end against the embedded simulator: open-loop rates are met, the
// client is not late, sweeps and rate lists write every benchmark to one report, and Ctrl-C in a
// sweep keeps what completed.
#include <catch2/catch.hpp>
#include <csignal>

#include "harness.hpp"
#include "support/timing.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

/// Short requests (about 120 ms each) so that few are cut off at a benchmark's end.
const std::vector<std::string> kShortRequests = {"--target", "sim", "--data",
                                                 "prompt_tokens=16,output_tokens=8"};

/// A benchmark of short requests that must succeed; returns its report.
nlohmann::json run_benchmark(const ScratchDir& scratch, std::vector<std::string> flags) {
  flags.insert(flags.begin(), kShortRequests.begin(), kShortRequests.end());
  return run_benchmark_report(scratch, std::move(flags));
}

}  // namespace

TEST_CASE("poisson at 50 req/s for 10 s achieves 50 +- 5 req/s") {
  ScratchDir scratch;
  const auto report = run_benchmark(
      scratch, {"--profile", "poisson", "--rate", "50", "--max-seconds", "10", "--seed", "3"});
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["profile"] == "poisson");
  CHECK(benchmark["rate"] == 50.0);
  CHECK(benchmark["throughput"]["requests_per_s"].get<double>() == Approx(50).margin(5));
  CHECK(benchmark["requests"]["errored"] == 0);
}

TEST_CASE("constant at 200 req/s: p99 send lag under 5 ms") {
  ScratchDir scratch;
  const auto report =
      run_benchmark(scratch, {"--profile", "constant", "--rate", "200", "--max-seconds", "3"});
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["metrics"]["send_lag_ms"]["count"].get<int>() >= 550);
  CHECK(benchmark["metrics"]["send_lag_ms"]["p99"].get<double>() < relaxed_ms(5.0));
  CHECK(benchmark["throughput"]["requests_per_s"].get<double>() == Approx(200).epsilon(0.1));
}

TEST_CASE("a sweep runs synchronous, throughput, then rising rates, all in one report") {
  ScratchDir scratch;
  const auto report =
      run_benchmark(scratch, {"--profile", "sweep", "--rate", "5", "--max-seconds", "2"});
  const auto& benchmarks = report["benchmarks"];
  REQUIRE(benchmarks.size() == 5);
  CHECK(benchmarks[0]["profile"] == "synchronous");
  CHECK(benchmarks[1]["profile"] == "throughput");
  double previous_rate = benchmarks[0]["throughput"]["requests_per_s"].get<double>();
  for (int stage = 2; stage < 5; ++stage) {
    CHECK(benchmarks[stage]["profile"] == "constant");
    const double rate = benchmarks[stage]["rate"].get<double>();
    CHECK(rate > previous_rate);
    previous_rate = rate;
  }
  // The last stage runs at the rate the throughput stage achieved (GuideLLM's linspace).
  CHECK(benchmarks[4]["rate"].get<double>() ==
        Approx(benchmarks[1]["throughput"]["requests_per_s"].get<double>()));
}

TEST_CASE("a rate list runs one benchmark per value") {
  ScratchDir scratch;
  const auto report =
      run_benchmark(scratch, {"--profile", "concurrent", "--rate", "1,3", "--max-requests", "6"});
  const auto& benchmarks = report["benchmarks"];
  REQUIRE(benchmarks.size() == 2);
  CHECK(benchmarks[0]["rate"] == 1.0);
  CHECK(benchmarks[1]["rate"] == 3.0);
  CHECK(benchmarks[0]["requests"]["successful"] == 6);
  CHECK(benchmarks[1]["requests"]["successful"] == 6);
}

TEST_CASE("throughput honours --max-concurrency") {
  ScratchDir scratch;
  const auto report = run_benchmark(
      scratch, {"--profile", "throughput", "--max-concurrency", "4", "--max-requests", "12"});
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["requests"]["successful"] == 12);
  // 12 requests of ~120 ms, 4 at a time: three waves, so the last waited two waves to start.
  CHECK(benchmark["metrics"]["send_lag_ms"]["max"].get<double>() > 200.0);
}

TEST_CASE("Ctrl-C during a sweep keeps the completed benchmarks and the interrupted one") {
  ScratchDir scratch;
  std::vector<std::string> arguments{"benchmark"};
  arguments.insert(arguments.end(), kShortRequests.begin(), kShortRequests.end());
  arguments.insert(arguments.end(), {"--profile", "sweep", "--rate", "5", "--max-seconds", "8",
                                     "--output", scratch.file("r.json")});
  ChildProcess benchmark(llmpace_binary(), arguments);
  // The second stage announces itself once the first has finished.
  REQUIRE(benchmark.wait_for_stderr_line("[2/5]", std::chrono::seconds(60)));
  benchmark.send_signal(SIGINT);
  CHECK(benchmark.wait_for_exit(std::chrono::seconds(30)) == 130);
  const auto report = read_json_file(scratch.file("r.json"));
  CHECK(report["interrupted"] == true);
  REQUIRE(report["benchmarks"].size() == 2);
  CHECK(report["benchmarks"][0]["profile"] == "synchronous");
  CHECK(report["benchmarks"][0]["interrupted"] == false);
  CHECK(report["benchmarks"][0]["requests"]["successful"].get<int>() > 20);
  CHECK(report["benchmarks"][1]["interrupted"] == true);
}

TEST_CASE("profile flags that do not fit are configuration errors") {
  const auto run = [](std::vector<std::string> flags) {
    std::vector<std::string> arguments{"benchmark", "--target", "sim", "--max-requests", "1"};
    arguments.insert(arguments.end(), flags.begin(), flags.end());
    return run_to_exit(llmpace_binary(), arguments);
  };
  auto result = run({"--profile", "synchronous", "--rate", "3"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("--rate: does not apply"));
  result = run({"--profile", "constant"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("--rate: --profile constant needs"));
  result = run({"--profile", "constant", "--rate", "1,,2"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("positive numbers"));
  result = run({"--profile", "constant", "--rate", "5", "--burstiness", "2"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("--burstiness: applies to --profile poisson"));
  result = run({"--profile", "concurrent", "--rate", "2.5"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("whole number"));
  result = run({"--profile", "sweep", "--rate", "1"});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("sweep"));
}
