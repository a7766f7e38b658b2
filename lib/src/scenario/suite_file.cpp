// Suite files. See suite_file.hpp.
#include "llmpace/scenario/suite_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "llmpace/core/error.hpp"
#include "llmpace/core/prometheus_label.hpp"
#include "llmpace/report/compare.hpp"
#include "llmpace/scenario/references.hpp"
#include "yaml_reader.hpp"

namespace llmpace::scenario {
namespace {

constexpr std::size_t kMaxNameLength = 63;  // a DNS label, a Kubernetes label value

/// Headers whose values are credentials: a suite must give them as references.
const std::set<std::string, std::less<>> kCredentialHeaders = {
    "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

class SuiteReader {
 public:
  SuiteReader(const YamlReader& reader, SuiteFile& suite) : reader_(reader), suite_(suite) {}

  void read(const YAML::Node& root) {
    if (!root.IsMap()) reader_.fail(reader_.line(root), "expected a mapping (suite: NAME, ...)");
    static const std::vector<std::string_view> kKeys = {"suite",     "description", "settings",
                                                        "scenarios", "variants",    "regression"};
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (key == "suite") {
        suite_.name = name(entry.second, "suite", entry.first);
      } else if (key == "description") {
        suite_.description = reader_.scalar(entry.second, key, entry.first);
      } else if (key == "settings") {
        suite_.settings = settings_block(entry.second, "settings", entry.first);
      } else if (key == "scenarios") {
        for (const YAML::Node& item : sequence(entry.second, key, entry.first)) scenario(item);
      } else if (key == "variants") {
        for (const YAML::Node& item : sequence(entry.second, key, entry.first)) variant(item);
      } else if (key == "regression") {
        regression(entry.second, entry.first);
      } else {
        unknown_key(key, entry.first, kKeys);
      }
    }
    if (suite_.name.empty()) reader_.fail(0, "no \"suite\" (the suite's name)");
    if (suite_.scenarios.empty()) reader_.fail(0, "no \"scenarios\" (a list of scenario files)");
    if (suite_.variants.empty()) reader_.fail(0, "no \"variants\" (a list of servers to run)");
  }

 private:
  [[noreturn]] void unknown_key(const std::string& key, const YAML::Node& at,
                                const std::vector<std::string_view>& keys) const {
    const std::string_view suggestion = nearest_key(key, keys);
    reader_.fail(reader_.line(at),
                 suggestion.empty()
                     ? fmt::format("unknown key \"{}\"", key)
                     : fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", key, suggestion));
  }

  const YAML::Node& sequence(const YAML::Node& value, std::string_view key,
                             const YAML::Node& at) const {
    if (!value.IsSequence() || value.size() == 0) {
      reader_.fail(reader_.line(value, at), fmt::format("{}: expected a list", key));
    }
    return value;
  }

  std::string name(const YAML::Node& value, std::string_view key, const YAML::Node& at) const {
    std::string text = reader_.scalar(value, key, at);
    if (!is_suite_name(text)) {
      reader_.fail(reader_.line(value, at),
                   fmt::format("{}: \"{}\" is not a usable name (lower-case letters, digits, '.', "
                               "'_' and '-', starting with a letter or digit, at most {})",
                               key, text, kMaxNameLength));
    }
    return text;
  }

  SettingsBlock settings_block(const YAML::Node& value, std::string_view key,
                               const YAML::Node& at) const {
    if (!value.IsMap()) {
      reader_.fail(reader_.line(value, at), fmt::format("{}: expected a mapping of settings", key));
    }
    SettingsBlock block;
    read_llmpace_settings(reader_, value, block.settings, block.lines);
    check_block(block);
    return block;
  }

  /// What a suite may not hold: outputs (the suite writes its own files) and literal secrets.
  void check_block(const SettingsBlock& block) const {
    const auto line_of = [&block](std::string_view key) { return block.line(key); };
    if (block.settings.output) {
      reader_.fail(line_of("output"),
                   "output: a suite writes its own reports (DIR/SUITE/TIME/VARIANT/SCENARIO.*); "
                   "choose DIR with --output-dir");
    }
    for (const std::string_view key : {"api_key", "metrics_api_key"}) {
      const auto& value =
          key == "api_key" ? block.settings.api_key : block.settings.metrics_api_key;
      if (value && !is_secret_free(*value)) {
        reader_.fail(line_of(key),
                     fmt::format("{}: a suite must not hold a secret: give it as ${{file:PATH}} (a "
                                 "mounted Secret) or ${{env:NAME}}",
                                 key));
      }
    }
    for (const auto* headers : {&block.settings.header, &block.settings.metrics_header}) {
      if (!*headers) continue;
      for (const std::string& header : **headers) {
        const auto parts = split_header(header);
        if (!parts || !kCredentialHeaders.contains(lower(parts->name))) continue;
        if (!is_secret_free(parts->value)) {
          reader_.fail(line_of(headers == &block.settings.header ? "header" : "metrics_header"),
                       fmt::format("header {}: a suite must not hold a secret: give its value as "
                                   "${{file:PATH}} or ${{env:NAME}}",
                                   parts->name));
        }
      }
    }
  }

  void scenario(const YAML::Node& item) {
    SuiteScenario entry;
    entry.line = reader_.line(item);
    if (item.IsScalar()) {
      entry.file = item.Scalar();
    } else if (item.IsMap()) {
      static const std::vector<std::string_view> kKeys = {"name", "file", "settings"};
      for (const auto& field : item) {
        const std::string key = field.first.Scalar();
        if (key == "name") {
          entry.name = name(field.second, "scenarios: name", field.first);
        } else if (key == "file") {
          entry.file = reader_.scalar(field.second, "scenarios: file", field.first);
        } else if (key == "settings") {
          entry.overrides = settings_block(field.second, "scenarios: settings", field.first);
        } else {
          unknown_key(key, field.first, kKeys);
        }
      }
    } else {
      reader_.fail(entry.line, "scenarios: expected a file name or {name, file, settings}");
    }
    if (entry.file.empty()) reader_.fail(entry.line, "scenarios: no \"file\"");
    const std::filesystem::path file(entry.file);
    if (entry.name.empty()) {
      entry.name = file.stem().string();
      if (!is_suite_name(entry.name)) {
        reader_.fail(entry.line,
                     fmt::format("scenarios: the file name \"{}\" makes no usable name; give one "
                                 "with {{name: NAME, file: {}}}",
                                 entry.name, entry.file));
      }
    }
    entry.path =
        file.is_absolute()
            ? entry.file
            : (std::filesystem::path(suite_.path).parent_path() / file).lexically_normal().string();
    for (const SuiteScenario& other : suite_.scenarios) {
      if (other.name == entry.name) {
        reader_.fail(entry.line, fmt::format("scenarios: \"{}\" twice (line {}); name one of them",
                                             entry.name, other.line));
      }
    }
    suite_.scenarios.push_back(std::move(entry));
  }

  void variant(const YAML::Node& item) {
    SuiteVariant entry;
    entry.line = reader_.line(item);
    if (!item.IsMap()) reader_.fail(entry.line, "variants: expected a mapping (name: ..., ...)");
    YAML::Node settings(YAML::NodeType::Map);
    for (const auto& field : item) {
      const std::string key = field.first.Scalar();
      if (key == "name") {
        entry.name = name(field.second, "variants: name", field.first);
      } else if (key == "labels") {
        labels(field.second, field.first, entry);
      } else {
        settings.force_insert(field.first, field.second);
      }
    }
    if (entry.name.empty()) reader_.fail(entry.line, "variants: no \"name\"");
    read_llmpace_settings(reader_, settings, entry.settings.settings, entry.settings.lines);
    check_block(entry.settings);
    for (const SuiteVariant& other : suite_.variants) {
      if (other.name == entry.name) {
        reader_.fail(entry.line,
                     fmt::format("variants: \"{}\" twice (line {})", entry.name, other.line));
      }
    }
    suite_.variants.push_back(std::move(entry));
  }

  void labels(const YAML::Node& value, const YAML::Node& at, SuiteVariant& entry) const {
    if (!value.IsMap()) reader_.fail(reader_.line(value, at), "labels: expected a mapping");
    for (const auto& label : value) {
      const std::string key = label.first.Scalar();
      if (!is_label_name(key)) {
        reader_.fail(reader_.line(label.first),
                     fmt::format("labels: \"{}\" is not a Prometheus label name", key));
      }
      if (is_reserved_label(key)) {
        reader_.fail(reader_.line(label.first),
                     fmt::format("labels: \"{}\" is a label llmpace sets itself", key));
      }
      entry.labels[key] = reader_.scalar(label.second, "labels: " + key, label.first);
    }
  }

  void regression(const YAML::Node& value, const YAML::Node& at) {
    if (!value.IsMap()) {
      reader_.fail(reader_.line(value, at), "regression: expected a mapping (metric: +10%)");
    }
    const std::vector<std::string_view> metrics = report::key_metric_names();
    for (const auto& entry : value) {
      const std::string metric = entry.first.Scalar();
      const int line = reader_.line(entry.first);
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
        const std::string_view suggestion = nearest_key(metric, metrics);
        std::string known;
        for (const std::string_view name : metrics)
          known += fmt::format("{}{}", known.empty() ? "" : ", ", name);
        reader_.fail(
            line, suggestion.empty()
                      ? fmt::format("regression: unknown metric \"{}\" (one of {})", metric, known)
                      : fmt::format("regression: unknown metric \"{}\" (did you mean "
                                    "\"{}\"?)",
                                    metric, suggestion));
      }
      suite_.regression.push_back(tolerance(metric, entry.second, line));
    }
  }

  /// "+10%" (a rise of more than 10 % regresses) or "-5%" (a fall of more than 5 %).
  Tolerance tolerance(const std::string& metric, const YAML::Node& value, int line) const {
    const std::string text = reader_.scalar(value, "regression: " + metric, value);
    Tolerance out;
    out.metric = metric;
    out.line = line;
    double percent = -1;
    if (text.size() >= 3 && (text[0] == '+' || text[0] == '-') && text.back() == '%') {
      const char* begin = text.data() + 1;
      const char* end = text.data() + text.size() - 1;
      const auto [stop, error] = std::from_chars(begin, end, percent);
      if (error != std::errc{} || stop != end) percent = -1;
    }
    if (!(percent >= 0 && percent < 1e6)) {
      reader_.fail(line, fmt::format("regression: {}: expected +N% (a rise of more than N % "
                                     "regresses) or -N% (a fall), got \"{}\"",
                                     metric, text));
    }
    out.rise_is_bad = text[0] == '+';
    out.fraction = percent / 100.0;
    return out;
  }

  const YamlReader& reader_;
  SuiteFile& suite_;
};

}  // namespace

int SettingsBlock::line(std::string_view key) const {
  const auto found = lines.find(key);
  return found == lines.end() ? 0 : found->second;
}

std::string SuiteFile::at(int line) const {
  return line > 0 ? fmt::format("{}:{}", path, line) : path;
}

bool is_suite_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return name != "." && name != "..";
}

SuiteFile parse_suite(std::string_view text, const std::string& path) {
  const YamlReader reader(path);
  const YAML::Node root = reader.load(text);
  SuiteFile suite;
  suite.path = path;
  SuiteReader(reader, suite).read(root);
  const auto check = [&suite](const SettingsBlock& block) {
    check_settings_utf8(block.settings,
                        [&](std::string_view key) { return suite.at(block.line(key)); });
  };
  check(suite.settings);
  for (const auto& entry : suite.scenarios) check(entry.overrides);
  for (const auto& entry : suite.variants) check(entry.settings);
  return suite;
}

SuiteFile read_suite_file(const std::string& path) {
  return parse_suite(read_file_text(path, "suite"), path);
}

}  // namespace llmpace::scenario
