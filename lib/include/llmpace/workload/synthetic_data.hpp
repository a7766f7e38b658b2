// Synthetic workload: prompts of a requested length and a fixed output length, from
// `--data prompt_tokens=N,output_tokens=M` (GuideLLM's key=value form).
//
// Prompt length is approximate in this version: a prompt of N tokens is N words from a fixed
// English word list, each of which is one token for common BPE tokenizers (and exactly one for the
// built-in simulator, which counts words). Exact token counts against a real tokenizer come later.
// Every prompt starts with a unique marker word sequence so a server's prefix cache cannot reuse
// one request's prompt for the next.
//
// Pure; a SyntheticPromptSource is used by one thread at a time.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace llmpace::workload {

struct SyntheticDataSpec {
  std::int64_t prompt_tokens = 256;
  std::int64_t output_tokens = 128;
};

/// Parses "prompt_tokens=N,output_tokens=M" (either key may be omitted; defaults above).
/// Throws ConfigError naming the bad part.
SyntheticDataSpec parse_synthetic_data(std::string_view text);

struct Prompt {
  std::string text;
  std::int64_t approx_tokens = 0;  // words in `text`
  std::int64_t output_tokens = 0;  // max output tokens to request
};

class SyntheticPromptSource {
 public:
  SyntheticPromptSource(SyntheticDataSpec spec, std::uint64_t seed);

  /// The prompt for request `index`. Deterministic in (spec, seed, index).
  Prompt prompt_for(std::uint64_t index) const;

 private:
  SyntheticDataSpec spec_;
  std::uint64_t seed_;
};

}  // namespace llmpace::workload
