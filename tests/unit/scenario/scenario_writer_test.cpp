// Writing settings back as a scenario: no literal secret, and reading it back gives the same
// settings.
#include "llmpace/scenario/scenario_writer.hpp"

#include <catch2/catch.hpp>

#include "llmpace/scenario/scenario_file.hpp"

using namespace llmpace::scenario;

TEST_CASE("literal secrets are left out and named, references are kept") {
  RunSettings settings;
  settings.api_key = "sk-literal";
  settings.header = std::vector<std::string>{"Authorization: Bearer ${env:TOKEN}",
                                             "X-Api-Key: literal", "X-Team: perf"};
  const SecretFreeSettings out = without_secrets(settings);
  CHECK_FALSE(out.settings.api_key);
  CHECK(out.settings.header == std::vector<std::string>{"Authorization: Bearer ${env:TOKEN}"});
  CHECK(out.omitted == std::vector<std::string>{"api_key", "header X-Api-Key", "header X-Team"});
  RunSettings referenced;
  referenced.api_key = "${file:/var/run/secrets/key}";
  CHECK(without_secrets(referenced).settings.api_key == "${file:/var/run/secrets/key}");
}

TEST_CASE("settings written as JSON then YAML read back the same") {
  RunSettings settings = RunSettings::defaults();
  settings.target = "sim";
  settings.rate = "1,2,4";
  settings.warmup = "10%";
  settings.max_requests = 50;
  settings.seed = 18446744073709551615ULL;
  settings.header = std::vector<std::string>{"X-Run: ${env:RUN}"};
  const std::string yaml = json_to_yaml(settings_to_json(settings));
  const ScenarioFile file = parse_scenario(yaml, "back.yaml");
  CHECK(file.settings.rate == "1,2,4");
  CHECK(file.settings.warmup == "10%");
  CHECK(file.settings.max_requests == 50);
  CHECK(file.settings.seed == 18446744073709551615ULL);
  CHECK(file.settings.header == settings.header);
  CHECK(file.settings.data == settings.data);
  CHECK(file.settings.sim_jitter == settings.sim_jitter);
  CHECK(settings_to_json(file.settings) == settings_to_json(settings));  // every setting, equal
}
