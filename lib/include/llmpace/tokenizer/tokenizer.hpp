// Tokenizer: a local tokenizer loaded from a file, so prompt lengths can be exact without asking
// the server. Two kinds (load_tokenizer picks by content):
//   - Hugging Face tokenizer.json with a byte-level BPE model (GPT-2, Llama 3, Qwen 2, Mistral
//     Tekken conversions): normalizer, pre-tokenizer (Split regex via PCRE2, ByteLevel), BPE merges
//     by rank, added/special tokens, and the post-processor's special tokens (e.g. BOS).
//   - SentencePiece .model files (Llama 2, Mistral v0.1), through Debian's libsentencepiece.
//
// Thread affinity: immutable after loading; encode/decode are safe from any number of threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::tokenizer {

using TokenId = std::int32_t;

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// The ids of `text`. With add_special_tokens, the post-processor's tokens (e.g. BOS) are added
  /// as the model's own tokenizer adds them for a plain prompt.
  [[nodiscard]] virtual std::vector<TokenId> encode(std::string_view text,
                                                    bool add_special_tokens) const = 0;

  /// The text of `ids` (special tokens included as their text).
  [[nodiscard]] virtual std::string decode(std::span<const TokenId> ids) const = 0;

  /// One line for logs and reports, e.g. "tokenizer.json BPE, 128256 tokens (llama3.json)".
  [[nodiscard]] virtual std::string description() const = 0;
};

/// Loads a tokenizer.json or a SentencePiece .model. Throws ConfigError with a one-line message
/// naming the file when it is missing, unreadable or of a kind not supported.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace llmpace::tokenizer
