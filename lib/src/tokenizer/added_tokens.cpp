// Finding added tokens in text. See added_tokens.hpp.
#include "added_tokens.hpp"

#include <unicode/uchar.h>

#include <algorithm>
#include <utility>

#include "llmpace/core/utf8.hpp"

namespace llmpace::tokenizer::detail {
namespace {

using utf8::decode_utf8;
using utf8::DecodedCodePoint;
using utf8::is_white_space;

bool is_word_character(char32_t c) { return c == '_' || u_isalnum(static_cast<UChar32>(c)) != 0; }

/// The start of the code point that ends at `end` (> 0): back over at most 3 continuation bytes.
std::size_t previous_start(std::string_view text, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  return start;
}

/// The code point that ends at `end` (> 0); 0 when the bytes before `end` are malformed.
char32_t code_point_before(std::string_view text, std::size_t end) {
  const std::size_t start = previous_start(text, end);
  const DecodedCodePoint decoded = decode_utf8(text, start);
  return decoded.length == end - start ? decoded.code_point : 0;
}

}  // namespace

AddedTokens::AddedTokens(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    by_id_.emplace(tokens_[i].id, i);
    if (tokens_[i].content.empty()) continue;
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content.front())].push_back(
        static_cast<std::uint32_t>(i));
  }
  for (auto& candidates : by_first_byte_) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [this](std::uint32_t a, std::uint32_t b) {
                       return tokens_[a].content.size() > tokens_[b].content.size();
                     });
  }
}

void AddedTokens::split(std::string_view text, std::vector<Segment>& segments) const {
  std::size_t text_start = 0;  // start of the ordinary text not yet in a segment
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto& candidates = by_first_byte_[static_cast<unsigned char>(text[pos])];
    const AddedToken* found = nullptr;
    for (const std::uint32_t index : candidates) {
      if (text.substr(pos).starts_with(tokens_[index].content)) {
        found = &tokens_[index];
        break;
      }
    }
    if (found == nullptr) {
      ++pos;
      continue;
    }
    std::size_t start = pos;
    std::size_t end = pos + found->content.size();
    if (found->single_word) {
      const bool word_before = start > 0 && is_word_character(code_point_before(text, start));
      const bool word_after =
          end < text.size() && is_word_character(decode_utf8(text, end).code_point);
      if (word_before || word_after) {  // not this match; look again after it
        pos = end;
        continue;
      }
    }
    if (found->lstrip) {
      while (start > text_start && is_white_space(code_point_before(text, start))) {
        start = std::max(previous_start(text, start), text_start);
      }
    }
    if (found->rstrip) {
      while (end < text.size()) {
        const DecodedCodePoint next = decode_utf8(text, end);
        if (next.length == 0 || !is_white_space(next.code_point)) break;
        end += next.length;
      }
    }
    if (start > text_start) {
      segments.push_back(Segment{text.substr(text_start, start - text_start), -1, false});
    }
    segments.push_back(Segment{text.substr(start, end - start), found->id, true});
    text_start = end;
    pos = end;
  }
  if (text_start < text.size()) {
    segments.push_back(Segment{text.substr(text_start), -1, false});
  }
}

const std::string* AddedTokens::content_of(TokenId id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second].content;
}

}  // namespace llmpace::tokenizer::detail
