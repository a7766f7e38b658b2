// Benchmarks as data: scenario files run end to end against the built-in simulator, their
// mistakes stop the run before any request, and a run repeated from its own report's scenario
// sends the same requests at the same times.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

const std::string kScenarios = LLMPACE_SCENARIOS_DIR;

/// Short limits and a fast simulator for scenarios meant to run for minutes (a sweep of 3:
/// synchronous, throughput and one rate stage).
const std::vector<std::string> kShortSim = {"--target",     "sim", "--max-requests", "6",
                                            "--rate",       "3",   "--sim-ttft-ms",  "2",
                                            "--sim-itl-ms", "0.2", "--quiet"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

/// The request log's lines ordered by index (the log is in completion order).
std::vector<nlohmann::json> requests_by_index(const std::string& path) {
  std::vector<nlohmann::json> lines = read_json_lines(path);
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a["index"].template get<int>() < b["index"].template get<int>();
  });
  return lines;
}

/// A scenario error: exit 2, one line naming the file and line, no output, no request served.
void check_scenario_error(const std::vector<std::string>& arguments, const std::string& words) {
  SimProcess sim = start_sim_process({});
  const auto result = run_to_exit(llmpace_binary(), with(arguments, {"--target", sim.url}));
  INFO("stderr: " << result.stderr_text);
  CHECK(result.exit_code == 2);
  const auto lines = non_empty_lines(result.stderr_text);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Contains("llmpace: error: " + words));
  CHECK(result.stdout_text.empty());
  // Not one request reached the server: its request counter is still zero.
  const std::string metrics = http_get(sim.url, "/metrics");
  const auto prompt_tokens = prometheus_value(metrics, "vllm:prompt_tokens_total");
  REQUIRE(prompt_tokens);
  CHECK(*prompt_tokens == 0);
}

}  // namespace

TEST_CASE("scenarios/chat.yaml runs its sweep against the simulator") {
  ScratchDir scratch;
  const auto report =
      run_benchmark_report(scratch, with({"--scenario", kScenarios + "/chat.yaml"}, kShortSim));
  const auto& benchmarks = report["benchmarks"];
  REQUIRE(benchmarks.size() == 3);  // --rate 3: synchronous, throughput, one rate stage
  CHECK(benchmarks[0]["profile"] == "synchronous");
  CHECK(benchmarks[2]["profile"] == "constant");
  const auto& prompt = report["run"]["workload"]["prompt_tokens"];
  CHECK(prompt["mean"] == 512);
  CHECK(prompt["stdev"] == 128);
  CHECK(report["run"]["workload"]["output_tokens"]["mean"] == 256);
  CHECK(report["run"]["scenario"]["profile"] == "sweep");
  for (const auto& benchmark : benchmarks) {
    CHECK(benchmark["requests"]["successful"] == 6);
  }
}

TEST_CASE("scenarios/rag.yaml runs with its long prompts") {
  ScratchDir scratch;
  const auto report = run_benchmark_report(
      scratch, with({"--scenario", kScenarios + "/rag.yaml", "--output", scratch.file("r.jsonl")},
                    kShortSim));
  CHECK(report["run"]["workload"]["prompt_tokens"]["mean"] == 4096);
  for (const auto& request : read_json_lines(scratch.file("r.jsonl"))) {
    CHECK(request["prompt_tokens"].get<int>() >= 2048);
    CHECK(request["prompt_tokens"].get<int>() <= 6144);
    CHECK(request["prompt_tokens_source"] == "server_usage");
  }
}

TEST_CASE("a GuideLLM-style JSON scenario runs, with GuideLLM's meanings") {
  ScratchDir scratch;
  const std::string path = scratch.file("guidellm.json");
  write_file(path, R"({
  "target": "http://127.0.0.1:1",
  "rate_type": "constant",
  "rate": [20],
  "max_requests": 20,
  "random_seed": 11,
  "warmup_percent": 0.1,
  "backend_args": {"headers": {"X-Run": "${env:LLMPACE_TEST_RUN}"}, "timeout": 60},
  "data": ["prompt_tokens=64,prompt_tokens_stdev=8,prompt_tokens_min=1,prompt_tokens_max=128,output_tokens=8"]
})");
  ::setenv("LLMPACE_TEST_RUN", "nightly", 1);
  const auto report = run_benchmark_report(
      scratch, {"--scenario", path, "--target", "sim", "--sim-ttft-ms", "2", "--quiet"});
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["profile"] == "constant");
  CHECK(benchmark["requests"]["warmup"] == 2);  // 10% of 20 requests
  CHECK(report["run"]["seed"] == 11);
  CHECK(report["run"]["request_timeout_s"] == 60.0);
  // GuideLLM's prompt_tokens_min=1 is below a chat request's template: raised, and said so.
  CHECK(report["run"]["workload"]["prompt_tokens_min_raised_from"] == 1);
  // The header is kept as its reference, never as its value.
  CHECK(report["run"]["scenario"]["header"][0] == "X-Run: ${env:LLMPACE_TEST_RUN}");
  CHECK(report.dump().find("nightly") == std::string::npos);
}

TEST_CASE("flags given with a scenario override it") {
  ScratchDir scratch;
  const std::string path = scratch.file("s.yaml");
  write_file(path, "target: http://127.0.0.1:1\nprofile: concurrent\nrate: 4\nmax_requests: 50\n");
  const auto report = run_benchmark_report(
      scratch, {"--scenario", path, "--target", "sim", "--rate", "2", "--max-requests", "4", "-q"});
  CHECK(report["benchmarks"][0]["rate"] == 2.0);
  CHECK(report["benchmarks"][0]["requests"]["successful"] == 4);
}

TEST_CASE("a misspelled key, a wrong type and a missing file exit 2 before any request") {
  ScratchDir scratch;
  const std::string typo = scratch.file("typo.yaml");
  write_file(typo, "profile: constant\nratee: 3\nmax_requests: 5\n");
  check_scenario_error({"benchmark", "--scenario", typo},
                       typo + ":2: unknown key \"ratee\" (did you mean \"rate\"?)");
  const std::string type = scratch.file("type.yaml");
  write_file(type, "profile: constant\nrate: 3\nmax_seconds: soon\n");
  check_scenario_error({"benchmark", "--scenario", type},
                       type + ":3: max_seconds: expected a number, got \"soon\"");
  const std::string range = scratch.file("range.yaml");
  write_file(range, "profile: constant\nrate: -3\nmax_requests: 5\n");
  check_scenario_error({"benchmark", "--scenario", range},
                       range + ":2: rate: expected positive numbers");
  check_scenario_error({"benchmark", "--scenario", scratch.file("missing.yaml")},
                       scratch.file("missing.yaml") + ": cannot read the scenario file");
}

TEST_CASE("a run repeated from its report's scenario sends the same requests at the same times") {
  ScratchDir scratch;
  const auto first = run_to_exit(
      llmpace_binary(),
      {"benchmark",
       "--target",
       "sim",
       "--profile",
       "poisson",
       "--rate",
       "40",
       "--max-requests",
       "40",
       "--seed",
       "1234",
       "--data",
       "prompt_tokens=48,prompt_tokens_stdev=16,prompt_tokens_min=24,prompt_tokens_max=96,"
       "output_tokens=6,output_tokens_stdev=2,output_tokens_min=2,output_tokens_max=10",
       "--sim-ttft-ms",
       "2",
       "--sim-itl-ms",
       "0.2",
       "--quiet",
       "--output",
       scratch.file("first.json"),
       "--output",
       scratch.file("first.jsonl")});
  INFO(first.stderr_text);
  REQUIRE(first.exit_code == 0);

  const auto written = run_to_exit(llmpace_binary(), {"report", scratch.file("first.json"),
                                                      "--scenario-out", scratch.file("s.yaml")});
  INFO(written.stderr_text);
  REQUIRE(written.exit_code == 0);
  const auto repeat =
      run_to_exit(llmpace_binary(), {"benchmark", "--scenario", scratch.file("s.yaml"), "--quiet",
                                     "--output", scratch.file("second.jsonl")});
  INFO(repeat.stderr_text);
  REQUIRE(repeat.exit_code == 0);

  const auto a = requests_by_index(scratch.file("first.jsonl"));
  const auto b = requests_by_index(scratch.file("second.jsonl"));
  REQUIRE(a.size() == 40);
  REQUIRE(b.size() == a.size());
  std::size_t distinct_bodies = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("request " << i);
    CHECK(a[i]["scheduled_ms"] == b[i]["scheduled_ms"]);
    CHECK(a[i]["body_hash"] == b[i]["body_hash"]);
    CHECK(a[i]["prompt_tokens"] == b[i]["prompt_tokens"]);
    if (i > 0 && a[i]["body_hash"] != a[i - 1]["body_hash"]) ++distinct_bodies;
  }
  CHECK(distinct_bodies == a.size() - 1);  // every request is its own prompt
  // Poisson: the gaps differ, so equal schedules are not a constant-rate coincidence.
  const double gap_1 = a[1]["scheduled_ms"].get<double>() - a[0]["scheduled_ms"].get<double>();
  const double gap_2 = a[2]["scheduled_ms"].get<double>() - a[1]["scheduled_ms"].get<double>();
  CHECK(gap_1 != gap_2);
}

TEST_CASE(
    "report --scenario-out refuses a report without run.scenario and a format it cannot write") {
  ScratchDir scratch;
  const std::string old_report = std::string(LLMPACE_TEST_DATA_DIR) + "/golden/report.json";
  auto result = run_to_exit(llmpace_binary(),
                            {"report", old_report, "--scenario-out", scratch.file("s.yaml")});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("holds no run.scenario"));
  CHECK_FALSE(std::filesystem::exists(scratch.file("s.yaml")));
  result = run_to_exit(llmpace_binary(),
                       {"report", old_report, "--scenario-out", scratch.file("s.toml")});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("expected .yaml, .yml or .json"));
}
