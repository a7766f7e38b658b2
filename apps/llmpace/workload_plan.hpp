// The workload of a run, from --data, --data-column, --data-samples, --tokenizer, --time-scale
// and --time-unit: resolved in two steps.
//
// resolve_workload_plan() reads every file (dataset, tokenizer) and checks every flag, so bad
// input is a ConfigError before anything is sent. build_prompt_source() then talks to the target
// (its /tokenize, when that is the tokenizer) and makes the prompts, before the first benchmark.
//
// Thread affinity: the calling thread; the PromptSource it returns is shared with the workers.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "llmpace/workload/dataset_file.hpp"
#include "llmpace/workload/prompt.hpp"
#include "llmpace/workload/synthetic_data.hpp"

namespace llmpace::app {

struct WorkloadFlags {
  std::string data = "prompt_tokens=256,output_tokens=128";
  std::string data_column;
  std::optional<std::int64_t> data_samples;
  std::string tokenizer = "auto";  // auto | server | approx | FILE
  double time_scale = 1.0;
  std::string time_unit = "auto";  // auto | s | ms
  std::uint64_t seed = 42;
  bool replay = false;  // --profile replay: rows need timestamps
};

enum class TokenizerChoice { automatic, server, approx, file };

struct WorkloadPlan {
  std::optional<workload::SyntheticDataSpec> synthetic;  // --data key=value
  std::optional<workload::Dataset> dataset;              // --data FILE
  std::string dataset_path;
  TokenizerChoice tokenizer = TokenizerChoice::automatic;
  std::shared_ptr<const tokenizer::Tokenizer> local_tokenizer;  // TokenizerChoice::file
  std::uint64_t seed = 42;
  /// --profile replay: when each row is due (its timestamp times --time-scale).
  std::shared_ptr<const std::vector<Nanoseconds>> replay_offsets;
  nlohmann::json run_config;  // what the report's run.data holds
};

/// Checks the flags and reads the files. Throws ConfigError with a one-line message.
WorkloadPlan resolve_workload_plan(const WorkloadFlags& flags);

/// Makes the prompts for `target` (whose model is known). Notes and warnings go to stderr unless
/// `quiet` (warnings always). Throws ConfigError when the tokenizer cannot be used for them (e.g.
/// --tokenizer server and the target has no /tokenize), RunError when the target fails.
std::shared_ptr<const workload::PromptSource> build_prompt_source(const WorkloadPlan& plan,
                                                                  const engine::Target& target,
                                                                  bool quiet);

}  // namespace llmpace::app
