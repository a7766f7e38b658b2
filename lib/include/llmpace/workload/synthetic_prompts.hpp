// SyntheticPromptSource: prompts of an exact token length, made on demand from a
// WordCalibration, so a run of any length needs no per-prompt tokenizer call.
//
// Request i's prompt: [its prefix, shared by every request with the same i mod prefix_count]
// then a marker (four words spelling i in base |words|, so no two requests share their first
// tokens after the prefix and a prefix cache cannot reuse one prompt for another) and seeded
// random words, in all spec.prompt.sample() tokens as the calibrated counter counts them in the
// request's form. Output length is drawn from spec.output. Same seed and index, same prompt.
//
// Thread affinity: immutable after construction; prompt_for() is safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/workload/prompt.hpp"
#include "llmpace/workload/synthetic_data.hpp"
#include "llmpace/workload/word_calibration.hpp"

namespace llmpace::workload {

class SyntheticPromptSource final : public PromptSource {
 public:
  /// Throws ConfigError when the shortest prompt asked for is not longer than what the request
  /// form adds by itself (e.g. prompt_tokens=5 with an 8-token chat template). A prompt_tokens_min
  /// at or below it (GuideLLM's scenarios say 1) with a mean above it is raised to the shortest
  /// possible prompt instead, and describe() says from what.
  SyntheticPromptSource(SyntheticDataSpec spec, std::uint64_t seed, WordCalibration calibration);

  [[nodiscard]] Prompt prompt_for(std::uint64_t index) const override;
  [[nodiscard]] nlohmann::json describe() const override;
  [[nodiscard]] std::int64_t turns() const override { return spec_.turns; }

  /// The prompt length drawn for request `index` (before the prefix), in tokens.
  [[nodiscard]] std::int64_t prompt_tokens_for(std::uint64_t index) const;

  [[nodiscard]] const WordCalibration& calibration() const { return calibration_; }

 private:
  std::uint64_t draw(std::uint64_t index, std::uint64_t stream) const;

  SyntheticDataSpec spec_;
  std::uint64_t seed_;
  WordCalibration calibration_;
  std::vector<std::string> prefixes_;                   // prefix_count texts of prefix_tokens words
  std::optional<std::int64_t> prompt_min_raised_from_;  // prompt_tokens_min as asked, if raised
};

/// A text that `calibration`'s counter counts as `tokens` tokens in its form: the lead, the
/// marker of `index` and words seeded by (seed, index). Precondition: tokens > overhead_tokens.
std::string synthetic_text(const WordCalibration& calibration, std::int64_t tokens,
                           std::uint64_t index, std::uint64_t seed);

/// Counts `samples` prompts of `source` (the shortest and longest lengths drawn among the first
/// requests, and request 0) with `counter` in the calibration's form. Returns one line per
/// prompt whose count differs from what was asked for (empty: all exact).
std::vector<std::string> verify_prompt_lengths(const SyntheticPromptSource& source,
                                               TokenCounter& counter, int samples = 3);

}  // namespace llmpace::workload
