#include "json_array_scanner.hpp"

#include "llmpace/core/json_space.hpp"

namespace llmpace::workload::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

/// Offset just past the string whose opening quote is at text[pos], or npos if it never closes.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  ++pos;
  for (;;) {
    pos = text.find_first_of("\"\\", pos);
    if (pos == npos) return npos;
    if (text[pos] == '"') return pos + 1;
    pos += 2;  // a backslash and the character it escapes
    if (pos > text.size()) return npos;
  }
}

/// Scans one value starting at `pos`: stops at a ',' or at `closer` (']' or '}') outside any
/// string and nesting. A closer of the other kind at the top is taken as part of the value (it is
/// malformed, and the value's parser will say so). Returns the stop offset, or npos at the end of
/// the text.
std::size_t skip_value(std::string_view text, std::size_t pos, char closer) {
  std::size_t depth = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    switch (c) {
      case '"':
        pos = skip_string(text, pos);
        if (pos == npos) return npos;
        continue;
      case '[':
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        if (depth > 0) {
          --depth;
        } else if (c == closer) {
          return pos;
        }
        break;
      case ',':
        if (depth == 0) return pos;
        break;
      default:
        break;
    }
    ++pos;
  }
  return npos;
}

std::size_t trim_end(std::string_view text, std::size_t begin, std::size_t end) {
  while (end > begin && is_json_space(text[end - 1])) --end;
  return end;
}

}  // namespace

std::size_t skip_json_space(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_json_space(text[pos])) ++pos;
  return pos;
}

JsonArrayScan scan_json_array(std::string_view text, std::size_t open) {
  JsonArrayScan scan;
  std::size_t pos = open + 1;
  for (;;) {
    pos = skip_json_space(text, pos);
    if (pos >= text.size()) throw JsonScanError(open, "the JSON array is not closed (no ']')");
    if (text[pos] == ']') {
      scan.end = pos + 1;
      return scan;
    }
    const std::size_t stop = skip_value(text, pos, ']');
    if (stop == npos) {
      throw JsonScanError(
          pos, "the JSON array is not closed: the file ends inside the element starting here");
    }
    scan.elements.push_back({pos, trim_end(text, pos, stop)});
    pos = stop + 1;
    if (text[stop] == ']') {
      scan.end = pos;
      return scan;
    }
  }
}

std::optional<std::size_t> find_wrapped_array(std::string_view text) {
  std::size_t pos = skip_json_space(text, 0);
  if (pos >= text.size() || text[pos] != '{') return std::nullopt;
  std::optional<std::size_t> array;
  int arrays = 0;
  ++pos;
  for (;;) {
    pos = skip_json_space(text, pos);
    if (pos >= text.size()) return std::nullopt;
    if (text[pos] == '}') {  // an empty object, or a trailing comma
      ++pos;
      break;
    }
    if (text[pos] != '"') return std::nullopt;
    pos = skip_string(text, pos);
    if (pos == npos) return std::nullopt;
    pos = skip_json_space(text, pos);
    if (pos >= text.size() || text[pos] != ':') return std::nullopt;
    pos = skip_json_space(text, pos + 1);
    if (pos >= text.size()) return std::nullopt;
    if (text[pos] == '[') {
      ++arrays;
      array = pos;
    }
    const std::size_t stop = skip_value(text, pos, '}');
    if (stop == npos) return std::nullopt;
    pos = stop + 1;
    if (text[stop] == '}') break;
  }
  if (skip_json_space(text, pos) != text.size() || arrays != 1) return std::nullopt;
  return array;
}

}  // namespace llmpace::workload::detail
