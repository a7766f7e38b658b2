// Diagnosis and SweepDiagnosis <-> JSON.
#include "llmpace/telemetry/diagnosis_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "llmpace/core/error.hpp"

namespace llmpace::telemetry {
namespace {

using nlohmann::json;

std::string type_of(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_null()) return "null";
  return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a",
                     value.type_name());
}

/// Typed access to one object's fields; every failure is a ConfigError naming the field's path.
class Reader {
 public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
      throw ConfigError(fmt::format("{}: should be an object, not {}", path_, type_of(object_)));
    }
  }

  [[nodiscard]] std::string path_of(std::string_view key) const {
    return fmt::format("{}.{}", path_, key);
  }

  [[nodiscard]] bool has(std::string_view key) const { return object_.contains(key); }

  [[nodiscard]] const json& field(std::string_view key) const {
    const auto found = object_.find(key);
    if (found == object_.end()) throw ConfigError(fmt::format("{}: missing", path_of(key)));
    return *found;
  }

  [[noreturn]] void wrong(std::string_view key, const json& value,
                          std::string_view expected) const {
    throw ConfigError(
        fmt::format("{}: should be {}, not {}", path_of(key), expected, type_of(value)));
  }

  [[nodiscard]] std::string string(std::string_view key) const {
    const json& value = field(key);
    if (!value.is_string()) wrong(key, value, "a string");
    return value.get<std::string>();
  }

  [[nodiscard]] double number(std::string_view key) const {
    const json& value = field(key);
    if (!value.is_number()) wrong(key, value, "a number");
    return value.get<double>();
  }

  [[nodiscard]] std::size_t count(std::string_view key) const {
    const json& value = field(key);
    if (!value.is_number_unsigned()) wrong(key, value, "a non-negative integer");
    return value.get<std::size_t>();
  }

  [[nodiscard]] bool boolean(std::string_view key) const {
    const json& value = field(key);
    if (!value.is_boolean()) wrong(key, value, "true or false");
    return value.get<bool>();
  }

  [[nodiscard]] std::vector<std::string> strings(std::string_view key) const {
    const json& value = field(key);
    if (!value.is_array()) wrong(key, value, "an array of strings");
    std::vector<std::string> result;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) {
        throw ConfigError(
            fmt::format("{}[{}]: should be a string, not {}", path_of(key), i, type_of(value[i])));
      }
      result.push_back(value[i].get<std::string>());
    }
    return result;
  }

  /// An enum by name, through parse(name) -> optional<Enum>.
  template <typename Parse>
  [[nodiscard]] auto name(std::string_view key, Parse parse) const {
    const std::string text = string(key);
    const auto parsed = parse(text);
    if (!parsed) throw ConfigError(fmt::format("{}: unknown value '{}'", path_of(key), text));
    return *parsed;
  }

  [[nodiscard]] Reader object(std::string_view key) const { return {field(key), path_of(key)}; }

 private:
  const json& object_;
  std::string path_;
};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_enum(std::string_view text, const Enum (&values)[N]) {
  for (const Enum value : values) {
    if (text == to_string(value)) return value;
  }
  return std::nullopt;
}

constexpr LoadUnit kLoadUnits[] = {LoadUnit::requests_per_s, LoadUnit::streams};
constexpr KneeCriterion kKneeCriteria[] = {KneeCriterion::slo_goodput, KneeCriterion::slo_p99,
                                           KneeCriterion::throughput_tracking};

}  // namespace

json diagnosis_to_json(const Diagnosis& diagnosis) {
  return json{{"wall", to_string(diagnosis.wall)},
              {"verdict", diagnosis.verdict},
              {"evidence", diagnosis.evidence},
              {"remedy", diagnosis.remedy},
              {"client_data_only", diagnosis.client_data_only}};
}

json diagnosis_to_json(const SweepDiagnosis& sweep) {
  json out = json::object();
  out["load_unit"] = to_string(sweep.load_unit);
  if (sweep.knee) {
    out["knee"] = {{"benchmark_index", sweep.knee->index},
                   {"load", sweep.knee->load},
                   {"criterion", to_string(sweep.knee->criterion)}};
  }
  if (sweep.first_wall) {
    out["first_wall"] = {{"benchmark_index", sweep.first_wall->index},
                         {"load", sweep.first_wall->load},
                         {"wall", to_string(sweep.first_wall->wall)}};
  }
  if (sweep.tpot_slope) {
    const TpotSlope& slope = *sweep.tpot_slope;
    out["tpot_slope"] = {{"ms_per_request", slope.ms_per_request},
                         {"intercept_ms", slope.intercept_ms},
                         {"points", slope.points},
                         {"concurrency_low", slope.concurrency_low},
                         {"concurrency_high", slope.concurrency_high},
                         {"growth", slope.growth},
                         {"rising", slope.rising}};
  }
  out["verdict"] = sweep.verdict;
  out["evidence"] = sweep.evidence;
  return out;
}

Diagnosis diagnosis_from_json(const json& json_value, std::string_view path) {
  const Reader reader(json_value, std::string(path));
  Diagnosis diagnosis;
  diagnosis.wall = reader.name("wall", parse_wall);
  diagnosis.verdict = reader.string("verdict");
  diagnosis.evidence = reader.strings("evidence");
  diagnosis.remedy = reader.string("remedy");
  diagnosis.client_data_only = reader.boolean("client_data_only");
  return diagnosis;
}

SweepDiagnosis sweep_diagnosis_from_json(const json& json_value, std::string_view path) {
  const Reader reader(json_value, std::string(path));
  SweepDiagnosis sweep;
  sweep.load_unit =
      reader.name("load_unit", [](std::string_view text) { return parse_enum(text, kLoadUnits); });
  if (reader.has("knee")) {
    const Reader knee = reader.object("knee");
    sweep.knee = SweepKnee{knee.count("benchmark_index"), knee.number("load"),
                           knee.name("criterion", [](std::string_view text) {
                             return parse_enum(text, kKneeCriteria);
                           })};
  }
  if (reader.has("first_wall")) {
    const Reader wall = reader.object("first_wall");
    sweep.first_wall = SweepWall{wall.count("benchmark_index"), wall.number("load"),
                                 wall.name("wall", parse_wall)};
  }
  if (reader.has("tpot_slope")) {
    const Reader slope = reader.object("tpot_slope");
    TpotSlope value;
    value.ms_per_request = slope.number("ms_per_request");
    value.intercept_ms = slope.number("intercept_ms");
    value.points = slope.count("points");
    value.concurrency_low = slope.number("concurrency_low");
    value.concurrency_high = slope.number("concurrency_high");
    value.growth = slope.number("growth");
    value.rising = slope.boolean("rising");
    sweep.tpot_slope = value;
  }
  sweep.verdict = reader.string("verdict");
  sweep.evidence = reader.strings("evidence");
  return sweep;
}

}  // namespace llmpace::telemetry
