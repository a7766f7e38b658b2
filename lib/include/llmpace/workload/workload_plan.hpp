// WorkloadPlan: the workload of a run, from the workload settings (data, data_column,
// data_samples, tokenizer, time_scale, time_unit, seed), resolved before anything is sent: every
// file (dataset, tokenizer) is read and every value checked here. The prompts themselves are
// made later, once the target is up (plan/prompt_setup.hpp), because the target's /tokenize may
// be what counts them.
//
// Errors are SettingErrors naming the setting's key. Pure (reads files); safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "llmpace/workload/dataset_file.hpp"
#include "llmpace/workload/synthetic_data.hpp"

namespace llmpace::workload {

struct WorkloadSettings {
  std::string data = "prompt_tokens=256,output_tokens=128";
  std::string data_column;
  std::optional<std::int64_t> data_samples;
  std::string tokenizer = "auto";  // auto | server | approx | FILE
  double time_scale = 1.0;
  std::string time_unit = "auto";  // auto | s | ms
  std::uint64_t seed = 42;
  bool replay = false;  // profile replay: rows need timestamps
};

enum class TokenizerChoice { automatic, server, approx, file };

struct WorkloadPlan {
  std::optional<SyntheticDataSpec> synthetic;  // data key=value
  std::optional<Dataset> dataset;              // data FILE
  std::string dataset_path;
  TokenizerChoice tokenizer = TokenizerChoice::automatic;
  std::shared_ptr<const tokenizer::Tokenizer> local_tokenizer;  // TokenizerChoice::file
  std::uint64_t seed = 42;
  /// profile replay: when each row is due (its timestamp times time_scale).
  std::shared_ptr<const std::vector<Nanoseconds>> replay_offsets;
  nlohmann::json run_config;  // what the report's run.data holds
};

/// Checks the settings and reads the files. Throws SettingError.
WorkloadPlan resolve_workload_plan(const WorkloadSettings& settings);

}  // namespace llmpace::workload
