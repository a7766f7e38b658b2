#include "llmpace/scenario/scenario_writer.hpp"

#include <yaml-cpp/yaml.h>

#include "llmpace/scenario/references.hpp"

namespace llmpace::scenario {
namespace {

void emit(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string:
      // Quoted, so that "1,2,4" or "30" read back as the strings they are.
      out << YAML::DoubleQuoted << value.get<std::string>();
      break;
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << value.dump();  // numbers and booleans: JSON's spelling is YAML's
      break;
  }
}

}  // namespace

SecretFreeSettings without_secrets(const RunSettings& settings) {
  SecretFreeSettings out{settings, {}};
  if (out.settings.api_key && !is_secret_free(*out.settings.api_key)) {
    out.settings.api_key.reset();
    out.omitted.emplace_back("api_key");
  }
  if (out.settings.header) {
    std::vector<std::string> kept;
    for (const std::string& header : *out.settings.header) {
      const std::optional<HeaderParts> parts = split_header(header);
      if (parts && is_secret_free(parts->value)) {
        kept.push_back(header);
      } else {
        out.omitted.push_back("header " + std::string(parts ? parts->name : header));
      }
    }
    if (kept.empty()) {
      out.settings.header.reset();
    } else {
      out.settings.header = std::move(kept);
    }
  }
  return out;
}

nlohmann::json settings_to_json(const RunSettings& settings) {
  nlohmann::json object = nlohmann::json::object();
  for (const SettingField& field : kRunSettingFields) {
    std::visit(
        [&](auto member) {
          if ((settings.*member).has_value()) object[std::string(field.key)] = *(settings.*member);
        },
        field.member);
  }
  return object;
}

std::string json_to_yaml(const nlohmann::json& object) {
  YAML::Emitter out;
  emit(out, object);
  return std::string(out.c_str()) + "\n";
}

}  // namespace llmpace::scenario
