// ServerTokenCounter: counts tokens with the target's own tokenizer endpoints, so prompt lengths
// are exact for whatever model is served, with no tokenizer download.
//
//   vLLM       POST /tokenize {"model","prompt","add_special_tokens"} or {"model","messages",
//              "add_generation_prompt":true} (the chat template applied) -> {"count",...}
//   llama.cpp  POST /tokenize {"content","add_special"} -> {"tokens":[...]}; chat form through
//              POST /apply-template {"messages"} -> {"prompt"}, then tokenized with specials
//
// probe() finds which one the target speaks. Counts are cached by (form, text), so building a
// workload costs a bounded number of calls however many requests it has.
//
// Thread affinity: one thread at a time, before load (blocking calls on its own connection).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "llmpace/engine/target.hpp"
#include "llmpace/workload/token_counter.hpp"

namespace llmpace::engine {

class BlockingClient;

enum class TokenizeFlavour { vllm, llama_cpp };

class ServerTokenCounter final : public workload::TokenCounter {
 public:
  ~ServerTokenCounter() override;

  struct ProbeFailure {
    bool unreachable = false;  // no HTTP answer at all (as opposed to no /tokenize)
    std::string reason;        // one line, naming the target
  };

  /// A counter for `target` if it answers POST /tokenize in either shape; otherwise null, with
  /// `failure` saying why.
  static std::unique_ptr<ServerTokenCounter> probe(const Target& target, ProbeFailure& failure);

  std::int64_t count(std::string_view text, workload::PromptForm form) override;
  [[nodiscard]] bool exact(workload::PromptForm) const override { return true; }
  [[nodiscard]] std::string description() const override;
  [[nodiscard]] std::int64_t calls() const override { return calls_; }
  [[nodiscard]] TokenizeFlavour flavour() const { return flavour_; }

 private:
  ServerTokenCounter(const Target& target, std::unique_ptr<BlockingClient> client,
                     TokenizeFlavour flavour);
  std::int64_t count_uncached(std::string_view text, workload::PromptForm form);

  std::string model_;
  std::unique_ptr<BlockingClient> client_;
  TokenizeFlavour flavour_;
  std::unordered_map<std::string, std::int64_t> cache_;  // key: form letter + text
  std::int64_t calls_ = 0;
};

}  // namespace llmpace::engine
