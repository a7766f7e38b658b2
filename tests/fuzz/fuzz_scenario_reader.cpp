// Fuzz target: the scenario reader (scenario/scenario_file.hpp), YAML and JSON, both dialects.
// parse_scenario either throws ConfigError or returns settings; those settings, written back as
// JSON and as YAML (scenario/scenario_writer.hpp, secrets left out), must read back the same.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/scenario/scenario_file.hpp"
#include "llmpace/scenario/scenario_writer.hpp"

namespace {

using llmpace::scenario::parse_scenario;
using llmpace::scenario::ScenarioFile;
using llmpace::scenario::settings_to_json;

nlohmann::json read_back(const std::string& text, const std::string& path) {
  try {
    return settings_to_json(parse_scenario(text, path).settings);
  } catch (const llmpace::ConfigError& error) {
    std::fprintf(stderr, "written scenario does not read back: %s\n%s\n", error.what(),
                 text.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ScenarioFile file;
  try {
    file = parse_scenario(text, "fuzz.yaml");
  } catch (const llmpace::ConfigError&) {
    return 0;
  }
  for (const auto& [key, line] : file.lines) FUZZ_CHECK(line >= 1);
  const nlohmann::json written =
      settings_to_json(llmpace::scenario::without_secrets(file.settings).settings);
  FUZZ_CHECK(read_back(written.dump(), "written.json") == written);
  FUZZ_CHECK(read_back(llmpace::scenario::json_to_yaml(written), "written.yaml") == written);
  return 0;
}
