// SuiteJob: the settings of each (variant, scenario), their precedence and their origins.
#include "llmpace/suite/suite_jobs.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::suite;
using Catch::Matchers::Equals;

namespace {

scenario::SuiteFile two_by_two() {
  return scenario::parse_suite(
      "suite: s\n"
      "settings: {max_seconds: 60, max_requests: 100}\n"
      "scenarios:\n"
      "  - a.yaml\n"
      "  - {name: b, file: b.yaml, settings: {max_seconds: 30}}\n"
      "variants:\n"
      "  - {name: bf16, target: '${env:LLMPACE_TEST_SUITE_URL}', max_requests: 5}\n"
      "  - {name: int4, target: http://int4:8080}\n",
      "s.yaml");
}

std::vector<scenario::ScenarioFile> scenario_files() {
  return {scenario::parse_scenario("profile: sweep\nmax_seconds: 10\nrate: 4\n", "a.yaml"),
          scenario::parse_scenario("profile: constant\nrate: 2\noutput: [x.json]\n", "b.yaml")};
}

}  // namespace

TEST_CASE("suite jobs: variants in order, each with every scenario, later layers winning") {
  ::setenv("LLMPACE_TEST_SUITE_URL", "http://bf16:8080", 1);
  const std::vector<SuiteJob> jobs = plan_suite_jobs(two_by_two(), scenario_files(), {});
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0].variant == "bf16");
  CHECK(jobs[0].scenario == "a");
  CHECK(jobs[1].variant == "bf16");
  CHECK(jobs[1].scenario == "b");
  CHECK(jobs[2].variant == "int4");
  CHECK(jobs[3].scenario == "b");

  // The scenario file's rate and profile; the suite's max_seconds over the file's; the variant's
  // max_requests over the suite's; the scenario entry's max_seconds over the suite's.
  CHECK(jobs[0].settings.profile == "sweep");
  CHECK(jobs[0].settings.max_seconds == 60.0);
  CHECK(jobs[0].origin("max_seconds") == "s.yaml:2");
  CHECK(jobs[0].settings.max_requests == 5);
  CHECK(jobs[0].origin("max_requests") == "s.yaml:7");
  CHECK(jobs[0].origin("rate") == "a.yaml:3");
  CHECK(jobs[1].settings.max_seconds == 30.0);
  CHECK(jobs[1].origin("max_seconds") == "s.yaml:5");
  CHECK(jobs[2].settings.max_requests == 100);
  CHECK(jobs[0].origin("api") == "s.yaml");  // nobody set it: the default

  // The variant's target reference is expanded; the scenario's outputs are the suite's to choose.
  CHECK(jobs[0].settings.target == "http://bf16:8080");
  CHECK(jobs[2].settings.target == "http://int4:8080");
  CHECK_FALSE(jobs[1].settings.output.has_value());
}

TEST_CASE("suite jobs: a selection picks variants and scenarios by name") {
  ::setenv("LLMPACE_TEST_SUITE_URL", "http://bf16:8080", 1);
  const auto jobs = plan_suite_jobs(two_by_two(), scenario_files(), {{"int4"}, {"b"}});
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].variant == "int4");
  CHECK(jobs[0].scenario == "b");
  try {
    (void)plan_suite_jobs(two_by_two(), scenario_files(), {{"fp8"}, {}});
    FAIL("no error");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(),
               Equals("--variant: s.yaml has no variant \"fp8\" (it has bf16, int4)"));
  }
}

TEST_CASE("suite jobs: a reference that cannot be expanded names the variant's line") {
  ::unsetenv("LLMPACE_TEST_SUITE_URL");
  try {
    (void)plan_suite_jobs(two_by_two(), scenario_files(), {});
    FAIL("no error");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::StartsWith("s.yaml:7: target: ") &&
                                 Catch::Contains("LLMPACE_TEST_SUITE_URL"));
  }
}

TEST_CASE("suite jobs: a gpu_metrics reference that expands to nothing is dropped") {
  ::setenv("LLMPACE_TEST_SUITE_URL", "http://bf16:8080", 1);
  ::setenv("LLMPACE_TEST_DCGM_A", "http://dcgm-a:9400/metrics", 1);
  ::setenv("LLMPACE_TEST_DCGM_B", "", 1);
  const auto suite = scenario::parse_suite(
      "suite: s\nscenarios: [a.yaml]\n"
      "variants:\n"
      "  - {name: x, target: sim, gpu_metrics: ['${env:LLMPACE_TEST_DCGM_A}', "
      "'${env:LLMPACE_TEST_DCGM_B}']}\n"
      "  - {name: y, target: sim, gpu_metrics: ['${env:LLMPACE_TEST_DCGM_B}']}\n",
      "s.yaml");
  const auto jobs = plan_suite_jobs(suite, {scenario_files()[0]}, {});
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].settings.gpu_metrics == std::vector<std::string>{"http://dcgm-a:9400/metrics"});
  CHECK_FALSE(jobs[1].settings.gpu_metrics.has_value());
}
