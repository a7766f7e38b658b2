// The synthetic workload spec, from `--data key=value,...` (GuideLLM's keys and semantics):
//
//   prompt_tokens=N          mean prompt length, in the served model's tokens (default 256)
//   prompt_tokens_stdev=S    spread: with S > 0 lengths are normal(N, S) rounded and clamped
//   prompt_tokens_min=A      lower bound (default max(1, N - 5 S), or N without S)
//   prompt_tokens_max=B      upper bound (default N + 5 S, or N without S);
//                            min and max without a stdev: uniform on [A, B]
//   output_tokens=M, output_tokens_stdev, output_tokens_min, output_tokens_max   likewise (128)
//   prefix_tokens=P          a shared prefix of P tokens before each prompt (default 0) ...
//   prefix_count=C           ... one of C different prefixes, request i taking prefix i mod C
//   turns=K                  chat sessions of K turns: each follow-up carries the conversation so
//                            far (earlier prompts and the model's replies) and a new prompt
//
// A request's prompt is its prefix (if any) and then prompt_tokens tokens, so the server counts
// P + N prompt tokens (GuideLLM's convention); N includes whatever the request form adds (chat
// template, BOS) when the tokenizer is the server's.
//
// Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace llmpace::workload {

/// A length distribution, GuideLLM's IntegerRangeSampler.
struct LengthSpec {
  std::int64_t mean = 0;
  std::int64_t stdev = 0;  // 0: no spread (fixed, or uniform when min < max)
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;

  [[nodiscard]] std::int64_t lowest() const;   // the effective lower bound
  [[nodiscard]] std::int64_t highest() const;  // the effective upper bound
  /// One length from two independent uniform 64-bit draws (deterministic in them).
  [[nodiscard]] std::int64_t sample(std::uint64_t bits_a, std::uint64_t bits_b) const;
};

/// A fixed length.
inline LengthSpec fixed_length(std::int64_t tokens) {
  LengthSpec spec;
  spec.mean = tokens;
  return spec;
}

struct SyntheticDataSpec {
  LengthSpec prompt = fixed_length(256);
  LengthSpec output = fixed_length(128);
  std::int64_t prefix_tokens = 0;
  std::int64_t prefix_count = 1;
  std::int64_t turns = 1;
};

/// Parses the key=value list above. Throws ConfigError naming the bad part (unknown key, a
/// value that is not a whole number in range, min above max, a mean outside [min, max]).
SyntheticDataSpec parse_synthetic_data(std::string_view text);

}  // namespace llmpace::workload
