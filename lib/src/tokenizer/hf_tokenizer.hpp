// HfTokenizer: a Hugging Face tokenizer.json with a byte-level BPE model, put together from its
// parts (hf_tokenizer_json.cpp reads them from the file). encode() runs the pipeline of
// tokenizers' Tokenizer::encode for one sequence:
//   added tokens split out -> each stretch of text between them normalized -> pre-tokenized ->
//   each pre-token through the BPE model -> with add_special_tokens, the post-processor's tokens
//   around the whole (e.g. Llama 3's <|begin_of_text|> before it).
// decode() writes each model token's bytes and each added token's content, in order. Ids that are
// neither are skipped. The result is raw bytes: a cut through a multi-byte character stays cut.
//
// Thread affinity: immutable after construction; encode/decode are safe from any number of
// threads at once (no caches).
#pragma once

#include <string>
#include <vector>

#include "added_tokens.hpp"
#include "bpe_model.hpp"
#include "llmpace/tokenizer/tokenizer.hpp"
#include "normalizer.hpp"
#include "pre_tokenizer.hpp"

namespace llmpace::tokenizer::detail {

/// What the post-processor adds around a single sequence when special tokens are asked for.
struct SpecialTokenTemplate {
  std::vector<TokenId> prefix;
  std::vector<TokenId> suffix;
};

class HfTokenizer final : public Tokenizer {
 public:
  HfTokenizer(Normalizer normalizer, PreTokenizer pre_tokenizer, BpeModel model,
              AddedTokens added_tokens, SpecialTokenTemplate special_tokens, std::string file_name);

  [[nodiscard]] std::vector<TokenId> encode(std::string_view text,
                                            bool add_special_tokens) const override;
  [[nodiscard]] std::string decode(std::span<const TokenId> ids) const override;
  [[nodiscard]] std::string description() const override;

 private:
  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  BpeModel model_;
  AddedTokens added_tokens_;
  SpecialTokenTemplate special_tokens_;
  std::string file_name_;
  std::size_t token_count_ = 0;  // distinct ids: the vocabulary's and the added tokens'
};

}  // namespace llmpace::tokenizer::detail
