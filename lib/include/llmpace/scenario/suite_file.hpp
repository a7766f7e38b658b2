// Suite files: several scenarios against several variants of a server, as data (docs/suites.md).
//
//   suite: mistral-small-24b
//   description: bf16 vs INT4 (w4a16), one replica each
//   settings: {max_seconds: 60}           # any benchmark setting, for every run
//   scenarios:                            # scenario files, relative to the suite file
//     - ../chat.yaml                      # named by its stem: "chat"
//     - {name: rag-short, file: ../rag.yaml, settings: {max_seconds: 30}}
//   variants:
//     - name: bf16
//       labels: {quantization: bf16}
//       target: ${env:LLMPACE_BF16_URL}   # any benchmark setting
//       api_key: ${file:/var/run/secrets/llmpace/token}
//   regression:                           # `report compare` metric: +N% (rise is bad) or -N%
//     ttft_ms_p99: +10%
//
// Every mistake is a ConfigError naming the file and line, as scenario files do. Names (suite,
// variants, scenarios) become directory names and Prometheus label values: [a-z0-9._-], starting
// with a letter or digit. Secrets never sit in a suite (it lives in a ConfigMap): api_key,
// metrics_api_key and credential headers must be ${env:}/${file:} references.
//
// Pure (reads the one file); safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/scenario/run_settings.hpp"

namespace llmpace::scenario {

/// Settings read from one mapping of the file, with the line each came from.
struct SettingsBlock {
  RunSettings settings;
  std::map<std::string, int, std::less<>> lines;

  /// The line `key` came from, or 0 when the block did not set it.
  [[nodiscard]] int line(std::string_view key) const;
};

struct SuiteScenario {
  std::string name;
  std::string file;  // as written in the suite
  std::string path;  // resolved against the suite file's directory
  SettingsBlock overrides;
  int line = 0;
};

struct SuiteVariant {
  std::string name;
  std::map<std::string, std::string> labels;  // Prometheus label name -> value
  SettingsBlock settings;
  int line = 0;
};

/// When a metric counts as regressed against a baseline run.
struct Tolerance {
  std::string metric;  // a `report compare` key metric, e.g. "ttft_ms_p99"
  bool rise_is_bad = true;
  double fraction = 0.0;  // 0.10 for "+10%"
  int line = 0;
};

struct SuiteFile {
  std::string path;  // as given
  std::string name;
  std::string description;
  SettingsBlock settings;  // for every run
  std::vector<SuiteScenario> scenarios;
  std::vector<SuiteVariant> variants;
  std::vector<Tolerance> regression;

  /// "PATH:LINE".
  [[nodiscard]] std::string at(int line) const;
};

/// Reads and checks `path`. Throws ConfigError ("PATH: cannot read ...", "PATH:LINE: ...").
SuiteFile read_suite_file(const std::string& path);

/// Parses suite `text`, naming it `path` in errors and resolving scenario files against its
/// directory. Throws ConfigError as above.
SuiteFile parse_suite(std::string_view text, const std::string& path);

/// True for a name usable as a directory and a label value: [a-z0-9][a-z0-9._-]*, at most 63.
bool is_suite_name(std::string_view name);

}  // namespace llmpace::scenario
