// Inputs found by fuzzing (tests/fuzz/fuzz_scenario_reader.cpp), each reproduced here as it was
// found (minimised) so the fix stays.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "llmpace/core/error.hpp"
#include "llmpace/scenario/scenario_file.hpp"
#include "llmpace/scenario/scenario_writer.hpp"

using llmpace::ConfigError;
using llmpace::scenario::parse_scenario;

namespace {

std::string error_of(std::string_view text) {
  try {
    const auto file = parse_scenario(text, "s.yaml");
    // What the report's run.scenario would hold: dump() throws on text that is not UTF-8.
    return "no error: " + llmpace::scenario::settings_to_json(file.settings).dump();
  } catch (const ConfigError& error) {
    return error.what();
  }
}

}  // namespace

TEST_CASE("a scenario setting that is not UTF-8 is a FILE:LINE error") {
  // Read as the SLO "\xff", which the report's run.scenario could not hold: dump() threw
  // nlohmann::json::type_error when the run wrote its report.
  CHECK(error_of("slo: \xff") == "s.yaml:1: slo: not valid UTF-8");
  // yaml-cpp reads a NUL and '_' as the escape \_ (U+00A0), which it writes as the one byte 0xA0.
  CHECK(error_of(std::string_view("slo: \0_", 7)) == "s.yaml:1: slo: not valid UTF-8");
  CHECK(error_of("target: http://127.0.0.1:8000\nmodel: \"\\N\"\n") ==
        "s.yaml:2: model: not valid UTF-8");
  CHECK(error_of("target: http://127.0.0.1:8000\nmodel: caf\xe9\n") ==
        "s.yaml:2: model: not valid UTF-8");
  CHECK(error_of("header:\n  X-Name: \"\xed\xa0\x80\"\n") ==  // a surrogate
        "s.yaml:1: header: not valid UTF-8");
  CHECK(error_of("model: caf\xc3\xa9\n") == "no error: {\"model\":\"caf\xc3\xa9\"}");
}
