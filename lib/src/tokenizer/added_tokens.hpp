// AddedTokens: the added_tokens of a tokenizer.json (special tokens such as <|begin_of_text|>,
// <|endoftext|>, and any other added token). They are found in the input before anything else,
// leftmost-longest, and each becomes its own id; the text between them is tokenized normally.
// lstrip / rstrip take the whitespace before / after the token into it, single_word only matches
// a token not touching a letter, digit or '_', as Hugging Face tokenizers does. Unlike it, tokens
// marked "normalized" are matched in the text before normalization (they differ only when the
// normalizer changes a token's own text).
//
// Thread affinity: immutable after construction; split() is safe from any number of threads.
// Lifetime: segments view the text given to split().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::tokenizer::detail {

struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool special = false;
};

/// A stretch of ordinary text (is_token false) or one added token.
struct Segment {
  std::string_view text;
  TokenId id = -1;
  bool is_token = false;
};

class AddedTokens {
 public:
  AddedTokens() = default;
  /// Tokens with empty content are ignored (they cannot be found in text).
  explicit AddedTokens(std::vector<AddedToken> tokens);

  /// Appends the segments of `text` to `segments`, in order; ordinary segments are never empty.
  void split(std::string_view text, std::vector<Segment>& segments) const;

  /// The content of added token `id`; nullptr when `id` is not an added token.
  [[nodiscard]] const std::string* content_of(TokenId id) const;

  [[nodiscard]] const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::array<std::vector<std::uint32_t>, 256> by_first_byte_;  // longest first
  std::unordered_map<TokenId, std::size_t> by_id_;
};

}  // namespace llmpace::tokenizer::detail
