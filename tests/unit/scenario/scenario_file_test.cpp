// Scenario files in llmpace's own dialect: every kind of value, and every mistake as one
// FILE:LINE line.
#include "llmpace/scenario/scenario_file.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::scenario;
using Catch::Matchers::Equals;

namespace {

std::string error_of(std::string_view text) {
  try {
    parse_scenario(text, "s.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a YAML scenario sets each kind of setting") {
  const ScenarioFile file = parse_scenario(
      "# a comment\n"
      "target: http://127.0.0.1:8000\n"
      "profile: constant\n"
      "rate: [1, 2.5, 4]\n"
      "max_seconds: 30\n"
      "max_requests: 200\n"
      "drain: true\n"
      "seed: 7\n"
      "data:\n"
      "  prompt_tokens: 512\n"
      "  output_tokens: 64\n"
      "slo: {ttft_ms: 200, tpot_ms: 50}\n"
      "header:\n"
      "  Authorization: Bearer ${env:TOKEN}\n"
      "output: r.json\n"
      "max-concurrency: 16\n",
      "s.yaml");
  const RunSettings& s = file.settings;
  CHECK(file.dialect == ScenarioDialect::llmpace);
  CHECK(s.target == "http://127.0.0.1:8000");
  CHECK(s.rate == "1,2.5,4");
  CHECK(s.max_seconds == 30.0);
  CHECK(s.max_requests == 200);
  CHECK(s.drain == true);
  CHECK(s.seed == 7U);
  CHECK(s.data == "prompt_tokens=512,output_tokens=64");
  CHECK(s.slo == "ttft_ms=200,tpot_ms=50");
  REQUIRE(s.header);
  CHECK_THAT(s.header->at(0), Equals("Authorization: Bearer ${env:TOKEN}"));
  CHECK(s.output == std::vector<std::string>{"r.json"});
  CHECK(s.max_concurrency == 16);  // hyphens read as underscores
  CHECK_FALSE(s.model);
  CHECK(file.origin("rate") == "s.yaml:4");
  CHECK(file.origin("model") == "s.yaml");
}

TEST_CASE("JSON is read as YAML, with its lines") {
  const ScenarioFile file =
      parse_scenario("{\n  \"profile\": \"poisson\",\n  \"rate\": 8\n}\n", "s.json");
  CHECK(file.settings.profile == "poisson");
  CHECK(file.settings.rate == "8");
  CHECK(file.origin("rate") == "s.json:3");
}

TEST_CASE("a key with no value leaves the setting unset") {
  const ScenarioFile file = parse_scenario("model:\nrate: ~\n", "s.yaml");
  CHECK_FALSE(file.settings.model);
  CHECK_FALSE(file.settings.rate);
}

TEST_CASE("a misspelled key names its line and the key it resembles") {
  CHECK_THAT(error_of("target: sim\nratee: 3\n"),
             Equals("s.yaml:2: unknown key \"ratee\" (did you mean \"rate\"?)"));
  CHECK_THAT(error_of("max_second: 3\n"),
             Equals("s.yaml:1: unknown key \"max_second\" (did you mean \"max_seconds\"?)"));
  CHECK_THAT(error_of("flux_capacitor: 3\n"), Equals("s.yaml:1: unknown key \"flux_capacitor\""));
}

TEST_CASE("a value of the wrong type names its line and setting") {
  CHECK_THAT(error_of("target: sim\nmax_seconds: soon\n"),
             Equals("s.yaml:2: max_seconds: expected a number, got \"soon\""));
  CHECK_THAT(error_of("max_requests: 2.5\n"),
             Equals("s.yaml:1: max_requests: expected a whole number, got \"2.5\""));
  CHECK_THAT(error_of("seed: -1\n"),
             Equals("s.yaml:1: seed: expected a whole number, 0 or more, got \"-1\""));
  CHECK_THAT(error_of("drain: maybe\n"),
             Equals("s.yaml:1: drain: expected true or false, got \"maybe\""));
  CHECK_THAT(error_of("model: [a, b]\n"),
             Equals("s.yaml:1: model: expected a single value, got a list"));
  CHECK_THAT(error_of("max_seconds: .nan\n"),
             Equals("s.yaml:1: max_seconds: expected a number, got \".nan\""));
}

TEST_CASE("broken YAML and a file that is not a mapping are errors with a line") {
  CHECK_THAT(error_of("target: sim\n  bad: [\n"), Catch::Matchers::StartsWith("s.yaml:2: "));
  CHECK_THAT(error_of("- a\n- b\n"),
             Equals("s.yaml:1: expected a mapping of settings (key: value lines)"));
}

TEST_CASE("a missing file is a one-line error naming it") {
  try {
    read_scenario_file("/nonexistent/scenario.yaml");
    FAIL("no error");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Equals("/nonexistent/scenario.yaml: cannot read the scenario file"));
  }
}
