// Suite files: what they hold, and every mistake as one FILE:LINE line.
#include "llmpace/scenario/suite_file.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::scenario;
using Catch::Matchers::Equals;

namespace {

constexpr std::string_view kSuite =
    "suite: nightly\n"
    "description: bf16 vs INT4\n"
    "settings:\n"
    "  max_seconds: 60\n"
    "scenarios:\n"
    "  - ../chat.yaml\n"
    "  - {name: rag-short, file: rag.yaml, settings: {max_seconds: 30}}\n"
    "variants:\n"
    "  - name: bf16\n"
    "    labels: {quantization: bf16}\n"
    "    target: ${env:BF16_URL}\n"
    "    api_key: ${file:/var/run/secrets/llmpace/token}\n"
    "  - name: int4\n"
    "    target: http://int4:8080\n"
    "    sim_preset: fast\n"
    "regression:\n"
    "  ttft_ms_p99: +10%\n"
    "  output_tokens_per_s: -5.5%\n";

std::string error_of(std::string_view text) {
  try {
    parse_suite(text, "suites/s.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a suite file names its scenarios, variants and tolerances") {
  const SuiteFile suite = parse_suite(kSuite, "scenarios/suites/nightly.yaml");
  CHECK(suite.name == "nightly");
  CHECK(suite.description == "bf16 vs INT4");
  CHECK(suite.settings.settings.max_seconds == 60.0);
  CHECK(suite.settings.lines.at("max_seconds") == 4);

  REQUIRE(suite.scenarios.size() == 2);
  CHECK(suite.scenarios[0].name == "chat");
  CHECK(suite.scenarios[0].path == "scenarios/chat.yaml");  // relative to the suite file
  CHECK(suite.scenarios[0].line == 6);
  CHECK(suite.scenarios[1].name == "rag-short");
  CHECK(suite.scenarios[1].path == "scenarios/suites/rag.yaml");
  CHECK(suite.scenarios[1].overrides.settings.max_seconds == 30.0);

  REQUIRE(suite.variants.size() == 2);
  CHECK(suite.variants[0].name == "bf16");
  CHECK(suite.variants[0].labels == std::map<std::string, std::string>{{"quantization", "bf16"}});
  CHECK(suite.variants[0].settings.settings.target == "${env:BF16_URL}");  // expanded later
  CHECK(suite.variants[0].settings.lines.at("target") == 11);
  CHECK(suite.variants[1].settings.settings.sim_preset == "fast");

  REQUIRE(suite.regression.size() == 2);
  CHECK(suite.regression[0].metric == "ttft_ms_p99");
  CHECK(suite.regression[0].rise_is_bad);
  CHECK(suite.regression[0].fraction == Approx(0.10));
  CHECK(suite.regression[1].metric == "output_tokens_per_s");
  CHECK_FALSE(suite.regression[1].rise_is_bad);
  CHECK(suite.regression[1].fraction == Approx(0.055));
}

TEST_CASE("suite file mistakes are one line naming the file and line") {
  const std::string head = "suite: s\nscenarios: [a.yaml]\n";
  CHECK_THAT(error_of(head + "variants:\n  - name: x\n    tarket: sim\n"),
             Equals("suites/s.yaml:5: unknown key \"tarket\" (did you mean \"target\"?)"));
  CHECK_THAT(error_of(head + "variants:\n  - target: sim\n"),
             Equals("suites/s.yaml:4: variants: no \"name\""));
  CHECK_THAT(error_of(head + "variants:\n  - {name: x, target: sim}\n  - {name: x, target: sim}\n"),
             Equals("suites/s.yaml:5: variants: \"x\" twice (line 4)"));
  CHECK_THAT(
      error_of(head + "variants:\n  - {name: Bad/Name, target: sim}\n"),
      Catch::StartsWith("suites/s.yaml:4: variants: name: \"Bad/Name\" is not a usable name"));
  CHECK_THAT(error_of("suite: s\nvariants: [{name: x}]\n"),
             Equals("suites/s.yaml: no \"scenarios\" (a list of scenario files)"));
  CHECK_THAT(error_of("scenarios: [a.yaml]\nvariants: [{name: x}]\n"),
             Equals("suites/s.yaml: no \"suite\" (the suite's name)"));
  CHECK_THAT(error_of(head + "variants: [{name: x}]\nregresion: {}\n"),
             Equals("suites/s.yaml:4: unknown key \"regresion\" (did you mean \"regression\"?)"));
  CHECK_THAT(error_of(head + "variants: [{name: x}]\nregression: {ttft_ms_p98: +10%}\n"),
             Equals("suites/s.yaml:4: regression: unknown metric \"ttft_ms_p98\" (did you mean "
                    "\"ttft_ms_p99\"?)"));
  CHECK_THAT(error_of(head + "variants: [{name: x}]\nregression: {speed: +10%}\n"),
             Catch::StartsWith("suites/s.yaml:4: regression: unknown metric \"speed\" (one of "
                               "requests_per_s, output_tokens_per_s, ttft_ms_p50, "));
  CHECK_THAT(error_of(head + "variants: [{name: x}]\nregression: {ttft_ms_p99: 10}\n"),
             Catch::StartsWith("suites/s.yaml:4: regression: ttft_ms_p99: expected +N%"));
  CHECK_THAT(error_of(head + "variants: [{name: x}]\nsettings: {output: [a.json]}\n"),
             Catch::StartsWith("suites/s.yaml:4: output: a suite writes its own reports"));
  CHECK_THAT(error_of(head + "variants: [{name: x, labels: {suite: a}}]\n"),
             Equals("suites/s.yaml:3: labels: \"suite\" is a label llmpace sets itself"));
  CHECK_THAT(error_of(head + "variants: [{name: x, labels: {bad-label: a}}]\n"),
             Equals("suites/s.yaml:3: labels: \"bad-label\" is not a Prometheus label name"));
}

TEST_CASE("a suite never holds a literal secret") {
  const std::string head = "suite: s\nscenarios: [a.yaml]\nvariants:\n  - name: x\n";
  CHECK_THAT(error_of(head + "    api_key: sk-live-123\n"),
             Catch::StartsWith("suites/s.yaml:5: api_key: a suite must not hold a secret"));
  CHECK_THAT(error_of(head + "    header: {Authorization: Bearer abc}\n"),
             Catch::StartsWith("suites/s.yaml:5: header Authorization: a suite must not hold"));
  CHECK_THAT(error_of(head + "    metrics_api_key: abc\n"),
             Catch::StartsWith("suites/s.yaml:5: metrics_api_key: a suite must not hold"));
  // References, and headers that are no credentials, are fine.
  CHECK(error_of(head + "    api_key: ${file:/run/token}\n"
                        "    header: {Authorization: 'Bearer ${env:TOKEN}', X-Tenant: blue}\n") ==
        "no error");
}

TEST_CASE("suite names are directory names and label values") {
  CHECK(is_suite_name("mistral-small-24b"));
  CHECK(is_suite_name("a.b_c-1"));
  CHECK_FALSE(is_suite_name(""));
  CHECK_FALSE(is_suite_name("-x"));
  CHECK_FALSE(is_suite_name("Upper"));
  CHECK_FALSE(is_suite_name("a/b"));
  CHECK_FALSE(is_suite_name(".."));
  CHECK_FALSE(is_suite_name(std::string(64, 'a')));
}
