#include "llmpace/scenario/scenario_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "llmpace/core/error.hpp"
#include "llmpace/core/utf8.hpp"
#include "llmpace/scenario/scenario_writer.hpp"
#include "yaml_reader.hpp"

namespace llmpace::scenario {
namespace {

/// "max-seconds" and "max_seconds" are the same key (GuideLLM takes both).
std::string normalized_key(std::string key) {
  for (char& c : key) c = c == '-' ? '_' : c;
  return key;
}

std::vector<std::string_view> our_keys() {
  std::vector<std::string_view> keys;
  for (const SettingField& field : kRunSettingFields) keys.push_back(field.key);
  return keys;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = utf8::decode_utf8(text, pos).length;
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

bool all_utf8(const nlohmann::json& value) {
  if (value.is_string()) return valid_utf8(value.get_ref<const std::string&>());
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (!valid_utf8(key) || !all_utf8(item)) return false;
    }
  }
  if (value.is_array()) {
    for (const auto& item : value) {
      if (!all_utf8(item)) return false;
    }
  }
  return true;
}

bool looks_like_guidellm(const YAML::Node& root) {
  for (const auto& entry : root) {
    const std::string key = normalized_key(entry.first.Scalar());
    if (is_guidellm_only_key(key) || key == "spec" ||
        (key == "data" && entry.second.IsSequence())) {
      return true;
    }
  }
  return false;
}

}  // namespace

void read_llmpace_settings(const YamlReader& reader, const YAML::Node& map, RunSettings& settings,
                           std::map<std::string, int, std::less<>>& lines) {
  for (const auto& entry : map) {
    const std::string key = normalized_key(entry.first.Scalar());
    const SettingField* field = find_setting(key);
    if (field == nullptr) {
      const std::string_view suggestion = nearest_key(key, our_keys());
      reader.fail(reader.line(entry.first),
                  suggestion.empty()
                      ? fmt::format("unknown key \"{}\"", key)
                      : fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", key, suggestion));
    }
    if (entry.second.IsNull()) continue;  // "key:" with no value leaves the setting unset
    reader.read_setting(settings, *field, entry.second, entry.first);
    lines[key] = reader.line(entry.first);
  }
}

void check_settings_utf8(const RunSettings& settings,
                         const std::function<std::string(std::string_view)>& origin) {
  // A setting must be UTF-8 to go into a report's run.scenario (JSON). Raw bytes are not the only
  // way to break that: yaml-cpp writes its \_ and \N escapes as the single bytes 0xA0 and 0x85.
  const nlohmann::json json = settings_to_json(settings);
  for (const auto& [key, value] : json.items()) {
    if (!all_utf8(value))
      throw ConfigError(fmt::format("{}: {}: not valid UTF-8", origin(key), key));
  }
}

std::string ScenarioFile::origin(std::string_view key) const {
  const auto found = lines.find(key);
  return found == lines.end() ? path : fmt::format("{}:{}", path, found->second);
}

ScenarioFile parse_scenario(std::string_view text, const std::string& path) {
  const YamlReader reader(path);
  const YAML::Node root = reader.load(text);
  if (!root.IsMap()) {
    reader.fail(reader.line(root), "expected a mapping of settings (key: value lines)");
  }
  ScenarioFile file;
  file.path = path;
  if (looks_like_guidellm(root)) {
    file.dialect = ScenarioDialect::guidellm;
    read_guidellm_scenario(reader, root, file);
  } else {
    read_llmpace_settings(reader, root, file.settings, file.lines);
  }
  check_settings_utf8(file.settings, [&file](std::string_view key) { return file.origin(key); });
  return file;
}

std::string read_file_text(const std::string& path, std::string_view what) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw ConfigError(fmt::format("{}: cannot read the {} file", path, what));
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

ScenarioFile read_scenario_file(const std::string& path) {
  return parse_scenario(read_file_text(path, "scenario"), path);
}

}  // namespace llmpace::scenario
