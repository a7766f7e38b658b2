// Prompt: what one request sends, and PromptSource: where a benchmark's prompts come from
// (synthetic_prompts.hpp, dataset_prompts.hpp).
//
// Thread affinity: a PromptSource is immutable once built; prompt_for() is const and safe from
// every worker thread at once. Sources are shared (std::shared_ptr<const PromptSource>) by the
// runner and its workers for the whole run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace llmpace::workload {

struct Prompt {
  std::string text;         // the prompt (completions), or the one user message (chat)
  nlohmann::json messages;  // chat messages to send instead of `text`; null when unused
  /// Prompt tokens the server should count, when the source knows (exact synthetic prompts);
  /// reports fall back to it only when the server sends no usage. 0: unknown.
  std::int64_t expected_prompt_tokens = 0;
  /// Output length to ask for (max_tokens with ignore_eos); nullopt lets the model stop itself.
  std::optional<std::int64_t> output_tokens;
};

class PromptSource {
 public:
  virtual ~PromptSource() = default;

  /// The prompt of request `index` of the run (deterministic in the source and the index).
  [[nodiscard]] virtual Prompt prompt_for(std::uint64_t index) const = 0;

  /// Turns per conversation: 1 is independent requests; K > 1 makes each closed-loop stream send
  /// sessions of K requests, each carrying the conversation so far (see Worker).
  [[nodiscard]] virtual std::int64_t turns() const { return 1; }

  /// What the report records about the workload (kind, parameters, tokenizer).
  [[nodiscard]] virtual nlohmann::json describe() const = 0;
};

}  // namespace llmpace::workload
