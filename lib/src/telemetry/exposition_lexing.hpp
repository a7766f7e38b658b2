// The small pieces parse_exposition() reads a line with (private to lib/src/telemetry): character
// classes of names, quoted strings and their escapes, UTF-8 validation, Go-compatible floats and
// the quoting of a piece of input into a one-line reason.
//
// Pure functions; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmpace::telemetry::lexing {

enum CharClass : std::uint8_t {
  kMetricStart = 1,  // [a-zA-Z_:]
  kMetricChar = 2,   // [a-zA-Z0-9_:]
  kLabelStart = 4,   // [a-zA-Z_]
  kLabelChar = 8,    // [a-zA-Z0-9_]
  kBlank = 16,       // space, tab
};

inline constexpr std::array<std::uint8_t, 256> kCharClasses = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    std::uint8_t bits = 0;
    if (alpha || c == ':') bits |= kMetricStart | kMetricChar;
    if (digit) bits |= kMetricChar | kLabelChar;
    if (alpha) bits |= kLabelStart | kLabelChar;
    if (c == ' ' || c == '\t') bits |= kBlank;
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}();

inline bool has_class(char c, CharClass cls) {
  return (kCharClasses[static_cast<unsigned char>(c)] & cls) != 0;
}

/// Index of the first byte at or after `from` that is not a space or tab.
inline std::size_t skip_blanks(std::string_view line, std::size_t from) {
  while (from < line.size() && has_class(line[from], kBlank)) ++from;
  return from;
}

/// Index one past the run of `cls` characters starting at `from`.
inline std::size_t scan_run(std::string_view line, std::size_t from, CharClass cls) {
  while (from < line.size() && has_class(line[from], cls)) ++from;
  return from;
}

/// A double-quoted string read from a line: its raw text between the quotes and whether it holds a
/// backslash (so needs unescaping).
struct Quoted {
  std::string_view raw;
  bool escaped = false;
};

/// Reads the quoted string whose opening quote is at `line[at]`; on success `at` is one past the
/// closing quote. nullopt when the string is not closed on this line.
std::optional<Quoted> scan_quoted(std::string_view line, std::size_t& at);

/// Appends `raw` with \\, \" and \n decoded; any other backslash pair is kept as written (as
/// Prometheus does).
void append_unescaped(std::string& out, std::string_view raw);

/// The decoded text of a quoted string.
std::string unescaped(const Quoted& quoted);

/// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// A float as Prometheus reads one (Go's strconv.ParseFloat, without the hex, `p` and `_` forms
/// Prometheus refuses): [+-] digits [. digits] [e [+-] digits], or Inf / Infinity with an optional
/// sign and NaN without one, in any letter case. Underflow gives a signed zero (as in Go);
/// overflow and anything else give nullopt.
std::optional<double> parse_float(std::string_view text);

/// `text` cut to about `max_bytes` (on a UTF-8 boundary) inside double quotes, with control
/// characters, quotes, backslashes and bytes that are not UTF-8 escaped: always one line of valid
/// UTF-8, for messages.
std::string quote_for_message(std::string_view text, std::size_t max_bytes = 40);

}  // namespace llmpace::telemetry::lexing
