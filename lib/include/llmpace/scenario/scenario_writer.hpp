// Writing a run back as a scenario: the settings a run resolved to, with secrets left out, as
// the JSON that a report keeps in run.scenario and as the YAML that `llmpace report
// --scenario-out` writes. Reading either back with read_scenario_file gives the same settings.
//
// Secrets: an api_key or a header value is written only when its secret is a reference
// ("${env:TOKEN}", "Bearer ${file:/path}"); a literal one is left out and named in `omitted`, so
// the scenario never holds a secret and a repeat needs it given again (flag or environment).
//
// Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmpace/scenario/run_settings.hpp"

namespace llmpace::scenario {

struct SecretFreeSettings {
  RunSettings settings;
  std::vector<std::string> omitted;  // e.g. "api_key", "header Authorization"
};

/// `settings` without literal secrets.
SecretFreeSettings without_secrets(const RunSettings& settings);

/// The settings that are set, as a JSON object keyed by setting (numbers as numbers, lists as
/// arrays), keyed alphabetically (nlohmann::json sorts its keys).
nlohmann::json settings_to_json(const RunSettings& settings);

/// A JSON object (such as a report's run.scenario) as a YAML document (keys as the object orders
/// them: alphabetically for nlohmann::json).
std::string json_to_yaml(const nlohmann::json& object);

}  // namespace llmpace::scenario
