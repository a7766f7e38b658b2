// YamlReader: typed reads of one scenario file's YAML nodes, each failure a ConfigError that names
// the file and line ("chat.yaml:3: max_seconds: expected a number, got \"soon\"").
//
// Private to the scenario module. Lifetime: borrows the path; one file at a time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/scenario/scenario_file.hpp"

namespace llmpace::scenario {

class YamlReader {
 public:
  explicit YamlReader(const std::string& path) : path_(path) {}

  /// The 1-based line of `node`, or of `fallback` when `node` has no position (a null value).
  [[nodiscard]] int line(const YAML::Node& node, const YAML::Node& fallback = {}) const;
  [[noreturn]] void fail(int line, std::string_view message) const;
  /// Parses `text` as YAML; a syntax error fails with its line.
  [[nodiscard]] YAML::Node load(std::string_view text) const;

  // Each reads `value`, the value of setting `key` whose key node is `at`.
  [[nodiscard]] std::string scalar(const YAML::Node& value, std::string_view key,
                                   const YAML::Node& at) const;
  [[nodiscard]] double number(const YAML::Node& value, std::string_view key,
                              const YAML::Node& at) const;
  [[nodiscard]] std::int64_t integer(const YAML::Node& value, std::string_view key,
                                     const YAML::Node& at) const;
  [[nodiscard]] std::uint64_t unsigned_integer(const YAML::Node& value, std::string_view key,
                                               const YAML::Node& at) const;
  [[nodiscard]] bool boolean(const YAML::Node& value, std::string_view key,
                             const YAML::Node& at) const;
  /// A scalar or a sequence of scalars.
  [[nodiscard]] std::vector<std::string> list(const YAML::Node& value, std::string_view key,
                                              const YAML::Node& at) const;
  /// A scalar as it is, a sequence joined with ',' ("1,2,4"), or a mapping as "k=v,k=v".
  [[nodiscard]] std::string joined(const YAML::Node& value, std::string_view key,
                                   const YAML::Node& at) const;
  /// A header list: "Name: value" scalars, or a mapping of names to values.
  [[nodiscard]] std::vector<std::string> headers(const YAML::Node& value, std::string_view key,
                                                 const YAML::Node& at) const;

  /// Reads `value` into `settings` as the setting `field` (by its kind; rate, data and slo also
  /// take lists and mappings, header a mapping).
  void read_setting(RunSettings& settings, const SettingField& field, const YAML::Node& value,
                    const YAML::Node& at) const;

 private:
  const std::string& path_;
};

/// Edit distance of two keys (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `key`, when near enough to be a likely typo; else empty.
std::string_view nearest_key(std::string_view key, const std::vector<std::string_view>& candidates);

/// The whole content of the file at `path`. Throws ConfigError "PATH: cannot read the WHAT file".
std::string read_file_text(const std::string& path, std::string_view what);

/// Reads a mapping of llmpace settings (keys as scenario files spell them) into `settings`,
/// recording each key's line in `lines` (scenario_file.cpp). ConfigError on an unknown key.
void read_llmpace_settings(const YamlReader& reader, const YAML::Node& map, RunSettings& settings,
                           std::map<std::string, int, std::less<>>& lines);

/// Throws ConfigError ("ORIGIN: KEY: not valid UTF-8") for a setting that is not valid UTF-8.
void check_settings_utf8(const RunSettings& settings,
                         const std::function<std::string(std::string_view)>& origin);

/// Reads a GuideLLM-dialect file's top-level mapping into `file` (guidellm_scenario.cpp).
void read_guidellm_scenario(const YamlReader& reader, const YAML::Node& root, ScenarioFile& file);

/// True when `key` (hyphens already turned into '_') exists only in GuideLLM's dialect.
bool is_guidellm_only_key(std::string_view key);

}  // namespace llmpace::scenario
