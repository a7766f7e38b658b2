// DatasetPromptSource: the prompts of a dataset file (dataset_file.hpp), one per usable row;
// requests cycle through them in order (request i sends row i mod rows).
//
// Per row: its text (or chat messages) as it is; a trace row that gives only an input length gets
// a synthetic text of exactly that many tokens (synthetic_prompts.hpp, needs the calibration);
// the output length is the row's own, else the token count of its reference reply (ShareGPT),
// else the model decides (no max_tokens).
//
// Thread affinity: immutable after construction; prompt_for() is safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "llmpace/workload/dataset_file.hpp"
#include "llmpace/workload/prompt.hpp"
#include "llmpace/workload/token_counter.hpp"
#include "llmpace/workload/word_calibration.hpp"

namespace llmpace::workload {

class DatasetPromptSource final : public PromptSource {
 public:
  /// Counts reference replies with `counter` (bare form; cached by the counter where it calls a
  /// server). Throws ConfigError naming FILE:LINE when a trace row's input length is not above
  /// the request form's own tokens.
  DatasetPromptSource(const Dataset& dataset, std::string path, TokenCounter& counter,
                      const WordCalibration& calibration, std::uint64_t seed);

  [[nodiscard]] Prompt prompt_for(std::uint64_t index) const override;
  [[nodiscard]] nlohmann::json describe() const override;

 private:
  std::vector<Prompt> prompts_;
  nlohmann::json description_;
};

}  // namespace llmpace::workload
