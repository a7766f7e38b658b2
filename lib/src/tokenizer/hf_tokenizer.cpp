// The encode/decode pipeline of a byte-level BPE tokenizer.json. See hf_tokenizer.hpp.
#include "hf_tokenizer.hpp"

#include <fmt/format.h>

#include <deque>
#include <unordered_set>
#include <utility>

namespace llmpace::tokenizer::detail {

HfTokenizer::HfTokenizer(Normalizer normalizer, PreTokenizer pre_tokenizer, BpeModel model,
                         AddedTokens added_tokens, SpecialTokenTemplate special_tokens,
                         std::string file_name)
    : normalizer_(std::move(normalizer)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      model_(std::move(model)),
      added_tokens_(std::move(added_tokens)),
      special_tokens_(std::move(special_tokens)),
      file_name_(std::move(file_name)),
      token_count_(model_.vocab_size()) {
  std::unordered_set<TokenId> counted;
  for (const AddedToken& token : added_tokens_.tokens()) {
    if (model_.bytes_of(token.id) == nullptr && counted.insert(token.id).second) ++token_count_;
  }
}

std::vector<TokenId> HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 8);
  if (add_special_tokens) ids = special_tokens_.prefix;

  std::vector<Segment> segments;
  added_tokens_.split(text, segments);
  std::string normalized_storage;
  std::vector<std::string_view> pieces;
  std::deque<std::string> piece_storage;
  for (const Segment& segment : segments) {
    if (segment.is_token) {
      ids.push_back(segment.id);
      continue;
    }
    const std::string_view normalized = normalizer_.apply(segment.text, normalized_storage);
    pieces.clear();
    piece_storage.clear();
    pre_tokenizer_.split(normalized, pieces, piece_storage);
    for (const std::string_view piece : pieces) model_.encode(piece, ids);
  }

  if (add_special_tokens) {
    ids.insert(ids.end(), special_tokens_.suffix.begin(), special_tokens_.suffix.end());
  }
  return ids;
}

std::string HfTokenizer::decode(std::span<const TokenId> ids) const {
  std::string text;
  for (const TokenId id : ids) {
    if (const std::string* content = added_tokens_.content_of(id)) {
      text += *content;
    } else if (const std::string* bytes = model_.bytes_of(id)) {
      text += *bytes;
    }
  }
  return text;
}

std::string HfTokenizer::description() const {
  return fmt::format("tokenizer.json BPE, {} tokens ({})", token_count_, file_name_);
}

}  // namespace llmpace::tokenizer::detail
