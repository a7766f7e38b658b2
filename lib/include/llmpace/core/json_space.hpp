// JSON's whitespace (RFC 8259 §2: space, horizontal tab, line feed, carriage return), for the
// hand-written scans around a JSON parser. Pure; constexpr.
#pragma once

#include <string_view>

namespace llmpace {

constexpr bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// `text` without JSON whitespace at either end. (Not find_first_not_of: it calls memchr on the
/// set for every byte it looks at, and this runs for every streamed event.)
constexpr std::string_view trim_json_space(std::string_view text) {
  while (!text.empty() && is_json_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_json_space(text.back())) text.remove_suffix(1);
  return text;
}

static_assert(trim_json_space(" \t{}\r\n") == "{}");
static_assert(trim_json_space(" \n").empty());

}  // namespace llmpace
