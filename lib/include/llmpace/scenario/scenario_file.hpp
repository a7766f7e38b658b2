// Scenario files: a benchmark as data, in YAML or JSON (JSON is read as the YAML it is).
//
// Two dialects are read, chosen by the file's keys:
//   llmpace   every key is a setting of `llmpace benchmark` under its long flag's name
//             (max_seconds: 30, rate: [1, 2, 4], data: {prompt_tokens: 512, output_tokens: 256})
//   GuideLLM  the argument names of `guidellm benchmark run` (rate_type, random_seed,
//             backend_args, outputs, output_dir, data as a list, ...), translated with GuideLLM's
//             meanings where they differ from ours (docs/guidellm.md). A file is GuideLLM's when
//             it holds a key only GuideLLM has, or gives `data` as a list.
//
// Every mistake is a ConfigError with one line that names the file and line:
//   chat.yaml:7: unknown key "ratee" (did you mean "rate"?)
//   chat.yaml:3: max_seconds: expected a number, got "soon"
//
// Pure (reads the one file); safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/scenario/run_settings.hpp"

namespace llmpace::scenario {

enum class ScenarioDialect { llmpace, guidellm };

struct ScenarioFile {
  std::string path;  // as given
  ScenarioDialect dialect = ScenarioDialect::llmpace;
  RunSettings settings;
  /// The 1-based line each setting came from (translated GuideLLM keys: the GuideLLM key's).
  std::map<std::string, int, std::less<>> lines;

  /// "PATH:LINE" of the line `key` came from, or "PATH" when the file did not set it.
  [[nodiscard]] std::string origin(std::string_view key) const;
};

/// Reads and checks `path`. Throws ConfigError ("PATH: cannot read ...", "PATH:LINE: ...").
ScenarioFile read_scenario_file(const std::string& path);

/// Parses scenario `text`, naming it `path` in errors. Throws ConfigError as above.
ScenarioFile parse_scenario(std::string_view text, const std::string& path);

}  // namespace llmpace::scenario

namespace llmpace::scenario {

/// GuideLLM's command-line spellings whose values need GuideLLM's reading, as typed (empty: not
/// given).
struct GuidellmFlags {
  std::vector<std::string> outputs;  // --outputs: aliases (json, csv, html) or file names
  std::string output_dir;            // --output-dir
  std::string backend_args;          // --backend-args: JSON
};

/// The settings `flags` mean, as the same keys of a GuideLLM scenario would. Throws ConfigError
/// ("command line: backend_args.verify: ...").
RunSettings read_guidellm_flags(const GuidellmFlags& flags);

}  // namespace llmpace::scenario
