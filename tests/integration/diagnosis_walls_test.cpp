// The walls end to end (issue 14): the embedded simulator's presets drive a server into each wall,
// and the JSON report's diagnosis names it with its evidence (docs/diagnosis.md,
// docs/simulator.md "The walls").
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness.hpp"
#include "support/child_process.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

/// The report of `llmpace benchmark --target sim ARGUMENTS`: exit 0, or 1 when no request could
/// finish in time (a server at its wall), with the report written either way.
json run_against_sim(const ScratchDir& scratch, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"benchmark", "--target", "sim", "--quiet"});
  arguments.insert(arguments.end(), {"--output", scratch.file("r.json")});
  const RunResult result = run_to_exit(llmpace_binary(), arguments);
  INFO(result.stderr_text);
  REQUIRE((result.exit_code == 0 || result.exit_code == 1));
  return read_json_file(scratch.file("r.json"));
}

/// A copy: the report is usually a temporary.
json diagnosis_of(const json& report) {
  json diagnosis = report.at("benchmarks").at(0).at("diagnosis");
  UNSCOPED_INFO(diagnosis.dump(1));
  return diagnosis;
}

const std::vector<std::string> kLongPrompts300 = {
    "--profile",     "concurrent", "--rate",
    "300",           "--data",     "prompt_tokens=4096,output_tokens=1024",
    "--max-seconds", "15"};

}  // namespace

TEST_CASE("bf16 at 300 long streams hits the KV-cache wall, INT4 under the same load does not",
          "[diagnosis][walls]") {
  ScratchDir scratch;
  std::vector<std::string> bf16{"--sim-preset", "mistral-small-24b-bf16-h100"};
  bf16.insert(bf16.end(), kLongPrompts300.begin(), kLongPrompts300.end());
  const json kv = diagnosis_of(run_against_sim(scratch, bf16));
  CHECK(kv.at("wall") == "kv_cache_wall");
  CHECK(kv.at("client_data_only") == false);
  CHECK_THAT(kv.at("verdict").get<std::string>(), Contains("KV usage") && Contains("waiting"));

  std::vector<std::string> int4{"--sim-preset", "mistral-small-24b-int4-h100"};
  int4.insert(int4.end(), kLongPrompts300.begin(), kLongPrompts300.end());
  const json other = diagnosis_of(run_against_sim(scratch, int4));
  CHECK(other.at("wall") != "kv_cache_wall");
}

TEST_CASE("a small model on an A100 at 256 streams hits the compute wall", "[diagnosis][walls]") {
  ScratchDir scratch;
  const json diagnosis = diagnosis_of(run_against_sim(
      scratch, {"--sim-preset", "llama-3.1-8b-bf16-a100", "--profile", "concurrent", "--rate",
                "256", "--data", "prompt_tokens=256,output_tokens=128", "--max-seconds", "15"}));
  CHECK(diagnosis.at("wall") == "compute_wall");
  CHECK_THAT(diagnosis.at("verdict").get<std::string>(), Contains("GPU activity"));
}

TEST_CASE("a 70B bf16 model at concurrency 1 is at its latency floor", "[diagnosis][walls]") {
  ScratchDir scratch;
  const json diagnosis = diagnosis_of(
      run_against_sim(scratch, {"--sim-preset", "llama-3.3-70b-bf16-b200", "--profile",
                                "synchronous", "--data", "prompt_tokens=4096,output_tokens=128",
                                "--max-seconds", "10", "--slo", "ttft_ms=200,tpot_ms=20"}));
  CHECK(diagnosis.at("wall") == "latency_floor");
  CHECK_THAT(diagnosis.at("verdict").get<std::string>(), Contains("misses the SLO"));
}
