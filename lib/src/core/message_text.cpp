#include "llmpace/core/message_text.hpp"

#include <algorithm>
#include <cctype>

#include "llmpace/core/utf8.hpp"

namespace llmpace {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

/// Position of `needle` in `text` ignoring ASCII case, or npos.
std::size_t find_ignoring_case(std::string_view text, std::string_view needle,
                               std::size_t from = 0) {
  if (from > text.size()) return std::string_view::npos;
  const auto found =
      std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), needle.begin(),
                  needle.end(), [](char a, char b) { return lower(a) == lower(b); });
  return found == text.end() ? std::string_view::npos
                             : static_cast<std::size_t>(found - text.begin());
}

}  // namespace

std::string one_line(std::string_view text, std::size_t max_chars) {
  std::string line;
  line.reserve(std::min(text.size(), max_chars * 4));
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedCodePoint decoded = utf8::decode_utf8(text, pos);
    const bool malformed = decoded.length == 0;
    const char32_t code_point = malformed ? U'\uFFFD' : decoded.code_point;
    const std::size_t length = malformed ? 1 : decoded.length;
    const bool space = code_point < 0x20 || code_point == 0x7F || code_point == U' ';
    if (space) {
      pending_space = !line.empty();
    } else {
      if (chars + (pending_space ? 1 : 0) >= max_chars) {
        line += "...";
        return line;
      }
      if (pending_space) {
        line += ' ';
        ++chars;
        pending_space = false;
      }
      if (malformed) {
        line += kReplacementCharacter;
      } else {
        line.append(text.substr(pos, length));
      }
      ++chars;
    }
    pos += length;
  }
  return line;
}

std::string html_to_text(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || text[start] != '<' ||
      (find_ignoring_case(text, "<html") == std::string_view::npos &&
       find_ignoring_case(text, "<!doctype html") == std::string_view::npos &&
       find_ignoring_case(text, "<body") == std::string_view::npos)) {
    return std::string(text);
  }
  if (const std::size_t title = find_ignoring_case(text, "<title>");
      title != std::string_view::npos) {
    const std::size_t from = title + 7;
    const std::size_t end = find_ignoring_case(text, "</title>", from);
    if (end != std::string_view::npos && end > from)
      return std::string(text.substr(from, end - from));
  }
  std::string plain;
  bool in_tag = false;
  for (const char c : text) {
    if (c == '<') {
      in_tag = true;
      plain += ' ';
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      plain += c;
    }
  }
  return plain;
}

}  // namespace llmpace
