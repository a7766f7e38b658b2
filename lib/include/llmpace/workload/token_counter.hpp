// TokenCounter: how many tokens a text is for the served model, the way llmpace makes prompt
// lengths exact. Implementations:
//   - the target's own /tokenize (engine/server_token_counter.hpp): exact for whatever is served;
//   - a local tokenizer file (LocalTokenCounter over tokenizer::Tokenizer): exact for the text,
//     but chat templates are not applied (chat form counts as completion form);
//   - ApproxTokenCounter: characters / chars_per_token, the last resort.
//
// Thread affinity: count() is called by one thread at a time (before load, while the workload is
// built); implementations need not be thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::workload {

/// How a text is sent, which decides the tokens around it.
enum class PromptForm {
  bare,        // the text alone: no special tokens, no template
  completion,  // a completions `prompt` (special tokens such as BOS added)
  chat,        // the only user message of a chat request (template and generation prompt)
};

std::string_view to_string(PromptForm form);

class TokenCounter {
 public:
  virtual ~TokenCounter() = default;

  /// Tokens of `text` sent in `form`. Throws RunError when it cannot count (server gone).
  virtual std::int64_t count(std::string_view text, PromptForm form) = 0;

  /// True when counts are the server's (or a tokenizer's) exact ones for `form`.
  [[nodiscard]] virtual bool exact(PromptForm form) const = 0;

  /// For the report and logs: "server /tokenize (vLLM)", "approx (4 chars per token)", ...
  [[nodiscard]] virtual std::string description() const = 0;

  /// Calls that reached the tokenizer (cache misses); for the bounded-calibration claim.
  [[nodiscard]] virtual std::int64_t calls() const { return 0; }
};

/// ceil(characters / chars_per_token) for every form (UTF-8 code points counted).
class ApproxTokenCounter final : public TokenCounter {
 public:
  explicit ApproxTokenCounter(double chars_per_token = 4.0) : chars_per_token_(chars_per_token) {}
  std::int64_t count(std::string_view text, PromptForm form) override;
  [[nodiscard]] bool exact(PromptForm) const override { return false; }
  [[nodiscard]] std::string description() const override;

 private:
  double chars_per_token_;
};

/// A local tokenizer file. bare: encode without special tokens; completion and chat: with them
/// (no chat template: exact(chat) is false).
class LocalTokenCounter final : public TokenCounter {
 public:
  explicit LocalTokenCounter(std::shared_ptr<const tokenizer::Tokenizer> tokenizer)
      : tokenizer_(std::move(tokenizer)) {}
  std::int64_t count(std::string_view text, PromptForm form) override;
  [[nodiscard]] bool exact(PromptForm form) const override { return form != PromptForm::chat; }
  [[nodiscard]] std::string description() const override;
  [[nodiscard]] std::int64_t calls() const override { return calls_; }

 private:
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::int64_t calls_ = 0;
};

}  // namespace llmpace::workload
