#include "llmpace/scenario/scenario_writer.hpp"

#include <fmt/format.h>
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

/// Drops the headers of `headers` whose value is a literal secret, naming them in `omitted`.
void drop_secret_headers(std::optional<std::vector<std::string>>& headers, std::string_view key,
                         std::vector<std::string>& omitted) {
  if (!headers) return;
  std::vector<std::string> kept;
  for (const std::string& header : *headers) {
    const std::optional<HeaderParts> parts = split_header(header);
    if (parts && is_secret_free(parts->value)) {
      kept.push_back(header);
    } else {
      omitted.push_back(fmt::format("{} {}", key, parts ? parts->name : header));
    }
  }
  if (kept.empty()) {
    headers.reset();
  } else {
    headers = std::move(kept);
  }
}

void drop_secret_key(std::optional<std::string>& key_value, std::string_view key,
                     std::vector<std::string>& omitted) {
  if (key_value && !is_secret_free(*key_value)) {
    key_value.reset();
    omitted.emplace_back(key);
  }
}

}  // namespace

SecretFreeSettings without_secrets(const RunSettings& settings) {
  SecretFreeSettings out{settings, {}};
  drop_secret_key(out.settings.api_key, "api_key", out.omitted);
  drop_secret_headers(out.settings.header, "header", out.omitted);
  drop_secret_key(out.settings.metrics_api_key, "metrics_api_key", out.omitted);
  drop_secret_headers(out.settings.metrics_header, "metrics_header", out.omitted);
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
