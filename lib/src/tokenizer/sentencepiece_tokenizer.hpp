// SentencePieceTokenizer: a SentencePiece .model (Llama 2, Mistral v0.1, Gemma style) through
// Debian's libsentencepiece. With add_special_tokens, the model's BOS id (when it has one) comes
// first, as Llama 2's tokenizer adds it; no EOS is added.
//
// Thread affinity: immutable after loading; encode/decode are safe from any number of threads
// (SentencePieceProcessor's Encode/Decode are const and share no mutable state).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "llmpace/tokenizer/tokenizer.hpp"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace llmpace::tokenizer::detail {

/// The ConfigError message of SentencePieceTokenizer for bytes that are no model at all.
inline constexpr std::string_view kNotSentencePiece = "not a SentencePiece model";

class SentencePieceTokenizer final : public Tokenizer {
 public:
  /// Loads a serialized model. Throws ConfigError (without the file name, which the caller
  /// prefixes): kNotSentencePiece when `model` is not one, SentencePiece's message when it is a
  /// model libsentencepiece cannot use.
  SentencePieceTokenizer(std::string_view model, std::string file_name);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  [[nodiscard]] std::vector<TokenId> encode(std::string_view text,
                                            bool add_special_tokens) const override;
  [[nodiscard]] std::string decode(std::span<const TokenId> ids) const override;
  [[nodiscard]] std::string description() const override;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::string file_name_;
};

}  // namespace llmpace::tokenizer::detail
