#include "llmpace/scenario/scenario_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "llmpace/core/error.hpp"
#include "llmpace/core/utf8.hpp"
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

void read_llmpace_scenario(const YamlReader& reader, const YAML::Node& root, ScenarioFile& file) {
  for (const auto& entry : root) {
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
    reader.read_setting(file.settings, *field, entry.second, entry.first);
    file.lines[key] = reader.line(entry.first);
  }
}

}  // namespace

std::string ScenarioFile::origin(std::string_view key) const {
  const auto found = lines.find(key);
  return found == lines.end() ? path : fmt::format("{}:{}", path, found->second);
}

ScenarioFile parse_scenario(std::string_view text, const std::string& path) {
  const YamlReader reader(path);
  // Raw bytes are the one way to put text that is not UTF-8 into a setting (yaml-cpp checks
  // escapes), and such a setting could not be written into a report's run.scenario (JSON).
  for (std::size_t pos = 0, line = 1; pos < text.size();) {
    const utf8::DecodedCodePoint decoded = utf8::decode_utf8(text, pos);
    if (decoded.length == 0) reader.fail(static_cast<int>(line), "not valid UTF-8");
    if (text[pos] == '\n') ++line;
    pos += decoded.length;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    reader.fail(error.mark.line >= 0 ? error.mark.line + 1 : 0, error.msg);
  }
  if (!root.IsMap()) {
    reader.fail(reader.line(root), "expected a mapping of settings (key: value lines)");
  }
  ScenarioFile file;
  file.path = path;
  if (looks_like_guidellm(root)) {
    file.dialect = ScenarioDialect::guidellm;
    read_guidellm_scenario(reader, root, file);
  } else {
    read_llmpace_scenario(reader, root, file);
  }
  return file;
}

ScenarioFile read_scenario_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) throw ConfigError(fmt::format("{}: cannot read the scenario file", path));
  std::ostringstream text;
  text << stream.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace llmpace::scenario
