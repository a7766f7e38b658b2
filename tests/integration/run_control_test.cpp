// Run control and robustness: Ctrl-C cancels the requests in flight and still writes the report, a
// failing server's errors are counted per kind while the run goes on, --max-seconds cancels
// in-flight requests, and secrets reach the server on every request yet stay out of reports, output
// and the process listing.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "capture_server.hpp"
#include "harness.hpp"
#include "support/timing.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

/// Polls the simulator's /metrics until it runs exactly `count` requests; false after 30 s.
bool wait_for_running_requests(const SimProcess& sim, double count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto running =
        prometheus_value(http_get(sim.url, "/metrics"), "vllm:num_requests_running");
    if (running && *running == count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // between polls, not a wait
  }
  return false;
}

/// Removes OPENAI_API_KEY from this process's environment, which children inherit: an extra
/// environment entry given to a child comes after the inherited one, and getenv() finds the first.
void forget_inherited_api_key() { ::unsetenv("OPENAI_API_KEY"); }

}  // namespace

TEST_CASE(
    "SIGINT cancels the requests in flight and the report is still written, marked "
    "interrupted") {
  auto sim = start_sim_process({"--ttft-ms", "1", "--itl-ms", "5", "--jitter", "0"});
  ScratchDir scratch;
  ChildProcess benchmark(
      llmpace_binary(),
      {"benchmark", "--target", sim.url, "--profile", "concurrent", "--rate", "4", "--max-seconds",
       "120", "--data", "prompt_tokens=16,output_tokens=1000", "--output", scratch.file("r.json")});
  // The signal comes once the server runs all four streams' first requests (5 s each).
  REQUIRE(wait_for_running_requests(sim, 4));
  benchmark.send_signal(SIGINT);
  const auto exit_code = benchmark.wait_for_exit(std::chrono::seconds(30));
  INFO(benchmark.stderr_text());
  CHECK(exit_code == 130);
  const auto report = read_json_file(scratch.file("r.json"));
  CHECK(report["interrupted"] == true);
  const auto& stage = report["benchmarks"][0];
  CHECK(stage["interrupted"] == true);
  CHECK(stage["stop_reason"] == "signal");
  // The four requests in flight were cancelled, which makes them incomplete, never errors.
  CHECK(stage["requests"]["successful"] == 0);
  CHECK(stage["requests"]["errored"] == 0);
  CHECK(stage["requests"]["incomplete"] == 4);
  // And the server saw them go: nothing is left running there.
  CHECK(wait_for_running_requests(sim, 0));
}

TEST_CASE("the time limit ends the benchmark and counts cancelled requests as incomplete") {
  ScratchDir scratch;
  const auto benchmark = run_benchmark_report(
      scratch, {"--target", "sim", "--profile", "concurrent", "--rate", "3", "--max-seconds", "1.5",
                "--data", "prompt_tokens=16,output_tokens=40", "--sim-ttft-ms", "20",
                "--sim-itl-ms", "10"})["benchmarks"][0];
  // Each request takes ~0.41 s, so 3 streams finish 3 rounds in 1.5 s and are cut mid-fourth.
  CHECK(benchmark["requests"]["successful"].get<int>() >= 6);
  CHECK(benchmark["requests"]["incomplete"] == 3);
  // It ends at the time limit (the timer cannot fire early), give or take the timer's lateness.
  CHECK(benchmark["duration_s"].get<double>() >= 1.5);
  CHECK(benchmark["duration_s"].get<double>() <= 1.5 + relaxed_ms(75.0) / 1000);
}

TEST_CASE("a failing server: errors counted per kind, the run goes on") {
  auto sim =
      start_sim_process({"--fail-rate", "0.3", "--ttft-ms", "1", "--itl-ms", "1", "--seed", "7"});
  ScratchDir scratch;
  const auto benchmark = run_benchmark_report(
      scratch, {"--target", sim.url, "--profile", "concurrent", "--rate", "4", "--max-requests",
                "60", "--data", "prompt_tokens=16,output_tokens=4"})["benchmarks"][0];
  const int successful = benchmark["requests"]["successful"];
  const int errored = benchmark["requests"]["errored"];
  CHECK(successful + errored == 60);
  CHECK(errored > 0);
  CHECK(successful > 0);
  CHECK(benchmark["errors_by_kind"]["http_status"] == errored);
  CHECK(benchmark["metrics"]["ttft_ms"]["count"] == successful);
}

TEST_CASE("secrets never reach the report, the output or the process listing") {
  const std::string secret = "sk-very-secret-4242";
  const std::string header_secret = "hdr-secret-7777";
  ScratchDir scratch;
  ChildProcess benchmark(llmpace_binary(),
                         {"benchmark", "--target", "sim", "--api-key", secret, "--header",
                          "X-Tenant-Token: " + header_secret, "--max-requests", "300", "--data",
                          "prompt_tokens=16,output_tokens=2", "--sim-ttft-ms", "1", "--sim-itl-ms",
                          "1", "--output", scratch.file("r.json")});
  // Once it announces the benchmark, the flags have been parsed and hidden.
  REQUIRE(benchmark.wait_for_stderr_line("benchmark of", std::chrono::seconds(30)));
  const std::string cmdline = read_text("/proc/" + std::to_string(benchmark.pid()) + "/cmdline");
  CHECK_THAT(cmdline, Contains("--api-key"));
  CHECK(cmdline.find(secret) == std::string::npos);
  CHECK(cmdline.find(header_secret) == std::string::npos);
  REQUIRE(benchmark.wait_for_exit(std::chrono::seconds(60)) == 0);

  const std::string report = read_text(scratch.file("r.json"));
  CHECK_THAT(report, Contains("X-Tenant-Token"));
  CHECK(report.find(secret) == std::string::npos);
  CHECK(report.find(header_secret) == std::string::npos);
  CHECK(benchmark.stdout_text().find(secret) == std::string::npos);
  CHECK(benchmark.stderr_text().find(secret) == std::string::npos);
}

TEST_CASE("the API key and every --header reach the server on every request") {
  CaptureServer server;
  ScratchDir scratch;
  const auto result = run_to_exit(
      llmpace_binary(),
      {"benchmark", "--target", server.url(), "--api-key", "sk-very-secret-4242", "--header",
       "X-Tenant-Token: hdr-secret-7777", "--header", "X-Second:  two words ", "--max-requests",
       "3", "--data", "prompt_tokens=16,output_tokens=2", "--tokenizer", "approx", "--quiet",
       "--output", scratch.file("r.json")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  server.stop();
  const auto requests = server.requests();
  // Model discovery, the probe of its /metrics (--server-metrics auto; a 404 drops it), then the
  // three generation requests.
  REQUIRE(requests.size() == 5);
  CHECK(requests[0].target == "/v1/models");
  for (const CapturedRequest& request : requests) {
    INFO(request.method << " " << request.target);
    CHECK(request.header("Authorization") == "Bearer sk-very-secret-4242");
    CHECK(request.header("X-Tenant-Token") == "hdr-secret-7777");
    CHECK(request.header("X-Second") == "two words");
  }
  CHECK(std::count_if(requests.begin(), requests.end(), [](const CapturedRequest& request) {
          return request.method == "POST" && request.target == "/v1/chat/completions";
        }) == 3);
  CHECK(read_json_file(scratch.file("r.json"))["benchmarks"][0]["requests"]["successful"] == 3);
}

TEST_CASE("OPENAI_API_KEY is sent when --api-key is not given and is not reported") {
  forget_inherited_api_key();
  CaptureServer server;
  ScratchDir scratch;
  const auto result = run_to_exit(llmpace_binary(),
                                  {"benchmark", "--target", server.url(), "--max-requests", "2",
                                   "--data", "prompt_tokens=16,output_tokens=2", "--tokenizer",
                                   "approx", "--output", scratch.file("r.json")},
                                  std::chrono::seconds(60), {"OPENAI_API_KEY=env-secret-1234"});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  server.stop();
  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);  // discovery, the /metrics probe and two requests
  for (const CapturedRequest& request : requests) {
    INFO(request.method << " " << request.target);
    CHECK(request.header("Authorization") == "Bearer env-secret-1234");
  }
  const auto report = read_json_file(scratch.file("r.json"));
  CHECK(report["run"]["api_key_set"] == true);
  CHECK(report.dump().find("env-secret-1234") == std::string::npos);
  CHECK(result.stdout_text.find("env-secret-1234") == std::string::npos);
  CHECK(result.stderr_text.find("env-secret-1234") == std::string::npos);
}

TEST_CASE("without a key no Authorization header is sent") {
  forget_inherited_api_key();
  CaptureServer server;
  ScratchDir scratch;
  const auto result =
      run_to_exit(llmpace_binary(),
                  {"benchmark", "--target", server.url(), "--max-requests", "1", "--data",
                   "prompt_tokens=16,output_tokens=2", "--tokenizer", "approx", "--quiet"},
                  std::chrono::seconds(60));
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  server.stop();
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);  // discovery, the /metrics probe and one request
  for (const CapturedRequest& request : requests) CHECK_FALSE(request.header("Authorization"));
}
