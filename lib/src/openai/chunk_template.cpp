#include "llmpace/openai/chunk_template.hpp"

#include <simdjson.h>

#include <array>

namespace llmpace::openai {

namespace {

/// The bytes that stand for themselves in a JSON string: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainStringBytes = [] {
  std::array<bool, 256> plain{};
  for (int byte = 0x20; byte < 0x80; ++byte) plain[byte] = byte != '"' && byte != '\\';
  return plain;
}();

}  // namespace

std::optional<std::size_t> json_string_text_size(std::string_view body) {
  std::size_t escapes = 0;  // each escape is two bytes standing for one
  bool ascii = true;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto byte = static_cast<unsigned char>(body[i]);
    if (kPlainStringBytes[byte]) continue;  // nearly every byte of a token
    if (byte >= 0x80) {
      ascii = false;
    } else if (byte != '\\') {
      return std::nullopt;  // '"' would end the string; a control character is invalid
    } else {
      if (++i == body.size()) return std::nullopt;  // it would escape the closing quote
      switch (body[i]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          ++escapes;
          break;
        default:  // \u (1 to 4 bytes of UTF-8, surrogate pairs) is the parser's; the rest invalid
          return std::nullopt;
      }
    }
  }
  // The parser validates a document's UTF-8 as a whole; the quotes around the text are ASCII, so
  // the text's own validity is what differs between two chunks.
  if (!ascii && !simdjson::validate_utf8(body.data(), body.size())) return std::nullopt;
  return body.size() - escapes;
}

void ChunkTemplate::learn(std::string_view json, std::size_t text_quote, TextField field,
                          std::size_t text_bytes, bool has_role) {
  if (text_bytes == 0 || text_quote >= json.size() || json[text_quote] != '"') return;
  // The string's end: the first quote not escaped (the parser has found the string valid).
  std::size_t end = text_quote + 1;
  while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
  if (end >= json.size()) return;
  const std::string_view text = json.substr(text_quote + 1, end - text_quote - 1);
  if (json.size() - text.size() > kMaxFrameBytes || json_string_text_size(text) != text_bytes) {
    return;
  }
  prefix_ = text_quote + 1;
  frame_.assign(json.substr(0, prefix_));
  frame_.append(json.substr(end));
  field_ = field;
  has_role_ = has_role;
  learned_ = true;
}

std::optional<ChunkTemplate::Match> ChunkTemplate::match(std::string_view json) const {
  if (!learned_ || json.size() <= frame_.size()) return std::nullopt;  // the text is not empty
  const std::string_view frame(frame_);
  const std::string_view prefix = frame.substr(0, prefix_);
  const std::string_view suffix = frame.substr(prefix_);
  if (!json.starts_with(prefix) || !json.ends_with(suffix)) return std::nullopt;
  const std::optional<std::size_t> text_bytes =
      json_string_text_size(json.substr(prefix.size(), json.size() - frame.size()));
  if (!text_bytes) return std::nullopt;
  return Match{.field = field_, .text_bytes = *text_bytes, .has_role = has_role_};
}

}  // namespace llmpace::openai
