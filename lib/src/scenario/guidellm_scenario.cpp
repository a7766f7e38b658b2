// GuideLLM's scenario keys (the argument names of `guidellm benchmark run`, v0.3 to v0.6) read
// into llmpace settings. docs/guidellm.md lists every key: what maps, what differs in meaning,
// and what is refused.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "llmpace/core/error.hpp"
#include "yaml_reader.hpp"

namespace llmpace::scenario {
namespace {

/// Keys read as llmpace's own settings: the same name and meaning in both tools.
constexpr std::array kSharedKeys = {"target",       "model",      "profile",
                                    "rate",         "rampup",     "max_seconds",
                                    "max_requests", "max_errors", "max_error_rate"};

/// GuideLLM keys with no effect on a run that are accepted only with their GuideLLM default.
struct DefaultOnly {
  std::string_view key;
  std::string_view accepted;  // the default, as the file spells it; "" = null or empty only
  std::string_view why;       // why anything else is refused
};
constexpr std::array kDefaultOnlyKeys = {
    DefaultOnly{"data_args", "", "per-dataset arguments are not supported"},
    DefaultOnly{"processor_args", "", "tokenizer arguments are not supported"},
    DefaultOnly{"data_column_mapper", "generative_column_mapper",
                "use data_column to name the prompt column"},
    DefaultOnly{"data_preprocessors", "encode_media", "dataset preprocessors are not supported"},
    DefaultOnly{"data_preprocessors_kwargs", "", "dataset preprocessors are not supported"},
    DefaultOnly{"data_finalizer", "generative", "only generative requests are supported"},
    DefaultOnly{"data_collator", "generative", "only generative requests are supported"},
    DefaultOnly{"data_sampler", "",
                "llmpace shuffles a dataset when data_samples is set (seeded by random_seed)"},
    DefaultOnly{"dataloader_kwargs", "", "data loader arguments are not supported"},
    DefaultOnly{"sample_requests", "", "llmpace keeps every request (see --output FILE.jsonl)"},
    DefaultOnly{"output_sampling", "", "llmpace keeps every request (see --output FILE.jsonl)"},
    DefaultOnly{"prefer_response_metrics", "true",
                "llmpace always prefers the server's usage counts"},
    DefaultOnly{"max_global_error_rate", "", "use max_error_rate (per benchmark)"},
    DefaultOnly{"over_saturation", "", "over-saturation detection is not supported"},
    DefaultOnly{"detect_saturation", "false", "over-saturation detection is not supported"},
    DefaultOnly{"default_over_saturation", "false", "over-saturation detection is not supported"},
};

/// Keys GuideLLM has that are read by the handlers below.
constexpr std::array kTranslatedKeys = {"rate_type",
                                        "random_seed",
                                        "backend",
                                        "backend_type",
                                        "backend_kwargs",
                                        "backend_args",
                                        "request_type",
                                        "request_format",
                                        "processor",
                                        "outputs",
                                        "output_dir",
                                        "output_path",
                                        "warmup",
                                        "warmup_percent",
                                        "cooldown",
                                        "cooldown_percent",
                                        "data",
                                        "data_samples",
                                        "data_num_workers",
                                        "disable_console",
                                        "disable_console_outputs",
                                        "disable_console_interactive",
                                        "disable_progress"};

/// GuideLLM's default file names of its output aliases.
std::optional<std::string> output_alias_file(std::string_view alias) {
  if (alias == "json") return "benchmarks.json";
  if (alias == "csv") return "benchmarks.csv";
  if (alias == "html") return "benchmarks.html";
  return std::nullopt;
}

bool is_default(const YAML::Node& value, std::string_view accepted) {
  if (value.IsNull()) return true;
  if (value.IsSequence()) {
    if (value.size() == 0) return true;
    return value.size() == 1 && value[0].IsScalar() && value[0].Scalar() == accepted;
  }
  if (value.IsMap()) return value.size() == 0;
  return !accepted.empty() && value.Scalar() == accepted;
}

class GuidellmTranslator {
 public:
  GuidellmTranslator(const YamlReader& reader, ScenarioFile& file) : reader_(reader), file_(file) {}

  void read(const std::string& key, const YAML::Node& value, const YAML::Node& at);
  /// Settings that depend on several keys (outputs in output_dir; warmup in requests).
  void finish();

 private:
  void set_line(std::string_view setting, const YAML::Node& at) {
    file_.lines[std::string(setting)] = reader_.line(at);
  }
  void read_data(const YAML::Node& value, const YAML::Node& at);
  void read_backend_args(const YAML::Node& value, const YAML::Node& at);
  void read_transient(std::optional<double>& out, int& line, const YAML::Node& value,
                      std::string_view key, const YAML::Node& at);
  std::optional<std::string> window_edge(std::optional<double> value, std::string_view key,
                                         int line) const;

  const YamlReader& reader_;
  ScenarioFile& file_;
  std::vector<std::string> outputs_;
  std::optional<std::string> output_dir_;
  int outputs_line_ = 0;
  std::optional<double> warmup_;
  std::optional<double> cooldown_;
  int warmup_line_ = 0;
  int cooldown_line_ = 0;
};

void GuidellmTranslator::read(const std::string& key, const YAML::Node& value,
                              const YAML::Node& at) {
  RunSettings& settings = file_.settings;
  if (key == "rate_type") {
    settings.profile = reader_.scalar(value, key, at);
    set_line("profile", at);
  } else if (key == "random_seed") {
    settings.seed = reader_.unsigned_integer(value, key, at);
    set_line("seed", at);
  } else if (key == "backend" || key == "backend_type") {
    if (reader_.scalar(value, key, at) != "openai_http") {
      reader_.fail(
          reader_.line(value, at),
          fmt::format("{}: only openai_http is supported, got \"{}\"", key, value.Scalar()));
    }
  } else if (key == "backend_kwargs" || key == "backend_args") {
    read_backend_args(value, at);
  } else if (key == "request_type" || key == "request_format") {
    const std::string type = reader_.scalar(value, key, at);
    if (type == "chat_completions" || type == "/v1/chat/completions") {
      settings.api = "chat";
    } else if (type == "text_completions" || type == "/v1/completions") {
      settings.api = "completions";
    } else {
      reader_.fail(
          reader_.line(value, at),
          fmt::format("{}: expected chat_completions or text_completions, got \"{}\"", key, type));
    }
    set_line("api", at);
  } else if (key == "processor") {
    settings.tokenizer = reader_.scalar(value, key, at);
    set_line("tokenizer", at);
  } else if (key == "outputs") {
    outputs_ = reader_.list(value, key, at);
    outputs_line_ = reader_.line(at);
  } else if (key == "output_dir") {
    output_dir_ = reader_.scalar(value, key, at);
    outputs_line_ = outputs_line_ ? outputs_line_ : reader_.line(at);
  } else if (key == "output_path") {
    settings.output = std::vector<std::string>{reader_.scalar(value, key, at)};
    set_line("output", at);
  } else if (key == "warmup" || key == "warmup_percent") {
    read_transient(warmup_, warmup_line_, value, key, at);
  } else if (key == "cooldown" || key == "cooldown_percent") {
    read_transient(cooldown_, cooldown_line_, value, key, at);
  } else if (key == "data") {
    read_data(value, at);
  } else if (key == "data_samples") {
    const std::int64_t samples = reader_.integer(value, key, at);
    if (samples != -1) {  // GuideLLM's -1: every row
      settings.data_samples = samples;
      set_line("data_samples", at);
    }
  } else if (key == "data_num_workers") {
    (void)reader_.integer(value, key, at);  // llmpace reads the data once, before the run
  } else if (key.starts_with("disable_")) {
    if (reader_.boolean(value, key, at)) {
      settings.quiet = true;
      set_line("quiet", at);
    }
  }
}

void GuidellmTranslator::read_data(const YAML::Node& value, const YAML::Node& at) {
  YAML::Node item = value;
  if (value.IsSequence()) {
    if (value.size() != 1) {
      reader_.fail(reader_.line(value, at),
                   fmt::format("data: llmpace runs one data source, got {}", value.size()));
    }
    item = value[0];
  }
  if (item.IsScalar() && item.Scalar().starts_with("{")) {
    try {
      item = YAML::Load(item.Scalar());  // GuideLLM takes a JSON string too
    } catch (const YAML::Exception& error) {
      reader_.fail(reader_.line(value, at), fmt::format("data: {}", error.msg));
    }
  }
  if (item.IsMap()) {
    YAML::Node synthetic(YAML::NodeType::Map);
    for (const auto& entry : item) {
      if (entry.first.Scalar() == "kind" && entry.second.IsScalar() &&
          entry.second.Scalar() == "synthetic_text") {
        continue;  // GuideLLM 0.7's tag of synthetic data
      }
      synthetic[entry.first.Scalar()] = entry.second;
    }
    item = synthetic;
  }
  file_.settings.data = reader_.joined(item, "data", at);
  set_line("data", at);
}

void GuidellmTranslator::read_backend_args(const YAML::Node& value, const YAML::Node& at) {
  YAML::Node args = value;
  if (value.IsScalar()) {
    try {
      args = YAML::Load(value.Scalar());
    } catch (const YAML::Exception& error) {
      reader_.fail(reader_.line(value, at), fmt::format("backend_args: {}", error.msg));
    }
  }
  if (args.IsNull()) return;
  if (!args.IsMap()) {
    reader_.fail(reader_.line(value, at), "backend_args: expected a mapping");
  }
  RunSettings& settings = file_.settings;
  auto add_headers = [&](const YAML::Node& headers) {
    std::vector<std::string> list = settings.header.value_or(std::vector<std::string>{});
    for (std::string& header : reader_.headers(headers, "backend_args.headers", at)) {
      list.push_back(std::move(header));
    }
    settings.header = std::move(list);
    set_line("header", at);
  };
  for (const auto& entry : args) {
    const std::string name = entry.first.Scalar();
    const YAML::Node& item = entry.second;
    if (name == "api_key") {
      settings.api_key = reader_.scalar(item, "backend_args.api_key", at);
      set_line("api_key", at);
    } else if (name == "headers") {
      add_headers(item);
    } else if (name == "extras" && item.IsMap()) {
      for (const auto& extra : item) {
        if (extra.first.Scalar() != "headers") {
          reader_.fail(reader_.line(extra.first, at),
                       fmt::format("backend_args.extras.{}: not supported (only headers)",
                                   extra.first.Scalar()));
        }
        add_headers(extra.second);
      }
    } else if (name == "verify") {
      settings.insecure = !reader_.boolean(item, "backend_args.verify", at);
      set_line("insecure", at);
    } else if (name == "timeout") {
      settings.request_timeout = reader_.number(item, "backend_args.timeout", at);
      set_line("request_timeout", at);
    } else if (name == "timeout_connect") {
      settings.connect_timeout = reader_.number(item, "backend_args.timeout_connect", at);
      set_line("connect_timeout", at);
    } else if (name == "http2" || name == "follow_redirects" || name == "validate_backend") {
      continue;  // llmpace speaks HTTP/1.1 with keep-alive and checks the target itself
    } else if (name == "stream") {
      if (!reader_.boolean(item, "backend_args.stream", at)) {
        reader_.fail(reader_.line(item, at), "backend_args.stream: llmpace always streams");
      }
    } else {
      reader_.fail(
          reader_.line(entry.first, at),
          fmt::format("backend_args.{}: not supported by llmpace (docs/guidellm.md)", name));
    }
  }
}

void GuidellmTranslator::read_transient(std::optional<double>& out, int& line,
                                        const YAML::Node& value, std::string_view key,
                                        const YAML::Node& at) {
  if (value.IsNull()) return;
  if (value.IsMap()) {
    reader_.fail(
        reader_.line(value, at),
        fmt::format("{}: a phase configuration mapping is not supported; give a number", key));
  }
  const double number = reader_.number(value, key, at);
  if (number < 0) {
    reader_.fail(reader_.line(value, at), fmt::format("{}: must be 0 or more", key));
  }
  out = number;
  line = reader_.line(at);
}

/// GuideLLM's warmup and cooldown: a number in (0, 1) is a fraction of the benchmark; 1 or more
/// is seconds when the benchmark has a time limit, else a count of requests.
std::optional<std::string> GuidellmTranslator::window_edge(std::optional<double> value,
                                                           std::string_view key, int line) const {
  if (!value || *value == 0) return std::nullopt;
  if (*value < 1) return fmt::format("{:g}%", *value * 100);
  const RunSettings& settings = file_.settings;
  if (settings.max_seconds) return fmt::format("{:g}", *value);
  if (settings.max_requests && *settings.max_requests > 0) {
    return fmt::format("{:g}%", *value / static_cast<double>(*settings.max_requests) * 100);
  }
  reader_.fail(line,
               fmt::format("{}: a count of 1 or more needs max_seconds or max_requests", key));
}

void GuidellmTranslator::finish() {
  RunSettings& settings = file_.settings;
  if (!outputs_.empty() || output_dir_) {
    if (outputs_.empty()) outputs_ = {"json", "csv"};  // GuideLLM's default outputs
    std::vector<std::string> paths;
    for (const std::string& output : outputs_) {
      std::string name = output_alias_file(output).value_or(output);
      if (name == "console") continue;
      paths.push_back(output_dir_ ? fmt::format("{}/{}", *output_dir_, name) : name);
    }
    settings.output = std::move(paths);
    file_.lines["output"] = outputs_line_;
  }
  if (const auto edge = window_edge(warmup_, "warmup", warmup_line_)) {
    settings.warmup = *edge;
    file_.lines["warmup"] = warmup_line_;
  }
  if (const auto edge = window_edge(cooldown_, "cooldown", cooldown_line_)) {
    settings.cooldown = *edge;
    file_.lines["cooldown"] = cooldown_line_;
  }
}

/// Every key GuideLLM's dialect reads, built once.
const std::vector<std::string_view>& guidellm_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> all(kSharedKeys.begin(), kSharedKeys.end());
    all.insert(all.end(), kTranslatedKeys.begin(), kTranslatedKeys.end());
    for (const DefaultOnly& entry : kDefaultOnlyKeys) all.push_back(entry.key);
    return all;
  }();
  return keys;
}

}  // namespace

bool is_guidellm_only_key(std::string_view key) {
  if (find_setting(key) != nullptr) return false;
  for (const std::string_view candidate : guidellm_keys()) {
    if (candidate == key) return true;
  }
  return false;
}

void read_guidellm_scenario(const YamlReader& reader, const YAML::Node& root, ScenarioFile& file) {
  GuidellmTranslator translator(reader, file);
  for (const auto& entry : root) {
    std::string key = entry.first.Scalar();
    for (char& c : key) c = c == '-' ? '_' : c;
    const YAML::Node& value = entry.second;
    if (key == "spec") {
      reader.fail(reader.line(entry.first),
                  "GuideLLM 0.7 \"spec\" scenarios are not read yet; give the argument names of "
                  "`guidellm benchmark run` (profile, rate, data, ...) at the top level");
    }
    const bool shared = std::find(kSharedKeys.begin(), kSharedKeys.end(), key) != kSharedKeys.end();
    if (shared) {
      if (value.IsNull()) continue;
      reader.read_setting(file.settings, *find_setting(key), value, entry.first);
      file.lines[key] = reader.line(entry.first);
      continue;
    }
    const auto default_only =
        std::find_if(kDefaultOnlyKeys.begin(), kDefaultOnlyKeys.end(),
                     [&](const DefaultOnly& entry_spec) { return entry_spec.key == key; });
    if (default_only != kDefaultOnlyKeys.end()) {
      if (!is_default(value, default_only->accepted)) {
        reader.fail(reader.line(entry.first),
                    fmt::format("{}: not supported by llmpace: {}", key, default_only->why));
      }
      continue;
    }
    if (std::find(kTranslatedKeys.begin(), kTranslatedKeys.end(), key) != kTranslatedKeys.end()) {
      if (value.IsNull()) continue;
      translator.read(key, value, entry.first);
      continue;
    }
    // An llmpace setting that GuideLLM does not have (sim_preset, slo, ...) means what it means.
    if (const SettingField* field = find_setting(key)) {
      if (value.IsNull()) continue;
      reader.read_setting(file.settings, *field, value, entry.first);
      file.lines[key] = reader.line(entry.first);
      continue;
    }
    std::vector<std::string_view> candidates = guidellm_keys();
    for (const SettingField& field : kRunSettingFields) candidates.push_back(field.key);
    const std::string_view suggestion = nearest_key(key, candidates);
    reader.fail(reader.line(entry.first),
                suggestion.empty()
                    ? fmt::format("unknown key \"{}\"", key)
                    : fmt::format("unknown key \"{}\" (did you mean \"{}\"?)", key, suggestion));
  }
  translator.finish();
}

}  // namespace llmpace::scenario

namespace llmpace::scenario {

RunSettings read_guidellm_flags(const GuidellmFlags& flags) {
  YAML::Node root(YAML::NodeType::Map);
  for (const std::string& output : flags.outputs) root["outputs"].push_back(output);
  if (!flags.output_dir.empty()) root["output_dir"] = flags.output_dir;
  if (!flags.backend_args.empty()) {
    try {
      root["backend_args"] = YAML::Load(flags.backend_args);
    } catch (const YAML::Exception& error) {
      throw ConfigError(fmt::format("--backend-args: {}", error.msg));
    }
  }
  ScenarioFile file;
  const std::string path = "command line";
  read_guidellm_scenario(YamlReader(path), root, file);
  return file.settings;
}

}  // namespace llmpace::scenario
