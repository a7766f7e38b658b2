#include "exposition_lexing.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace llmpace::telemetry::lexing {
namespace {

bool iequals(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != lower_word[i]) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Length of the well-formed UTF-8 sequence at text[at], or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  std::uint32_t smallest = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - at < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(at + k);
    if ((next & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  if (code_point < smallest || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

/// The decimal exponent of the leading significant digit of a number from_chars found out of
/// range ("1e400" → 400, "0.0001e-400" → -404): above zero it overflowed, else it underflowed.
/// The exponent is read saturating, so a huge one cannot overflow here.
long long decimal_magnitude(std::string_view digits) {
  std::size_t i = 0;
  long long integer_digits = 0;
  bool significant = false;
  for (; i < digits.size() && is_digit(digits[i]); ++i) {
    if (digits[i] != '0') significant = true;
    if (significant) ++integer_digits;
  }
  long long magnitude = integer_digits;
  if (i < digits.size() && digits[i] == '.') {
    ++i;
    for (; i < digits.size() && is_digit(digits[i]); ++i) {
      if (significant) continue;
      if (digits[i] != '0') {
        significant = true;
      } else {
        --magnitude;
      }
    }
  }
  if (i < digits.size() && (digits[i] == 'e' || digits[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < digits.size() && (digits[i] == '+' || digits[i] == '-')) negative = digits[i++] == '-';
    long long exponent = 0;
    for (; i < digits.size() && is_digit(digits[i]); ++i) {
      exponent = std::min<long long>(exponent * 10 + (digits[i] - '0'), 1'000'000'000);
    }
    magnitude += negative ? -exponent : exponent;
  }
  return magnitude;
}

}  // namespace

std::optional<Quoted> scan_quoted(std::string_view line, std::size_t& at) {
  std::size_t i = at + 1;
  Quoted quoted;
  while (i < line.size()) {
    const char c = line[i];
    if (c == '"') {
      quoted.raw = line.substr(at + 1, i - at - 1);
      at = i + 1;
      return quoted;
    }
    if (c == '\\') {
      quoted.escaped = true;
      i += 2;  // the escaped byte can be a quote; past the end means "not closed"
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

void append_unescaped(std::string& out, std::string_view raw) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 == raw.size()) {
      out.push_back(raw[i]);
      continue;
    }
    const char next = raw[++i];
    switch (next) {
      case '\\':
      case '"':
        out.push_back(next);
        break;
      case 'n':
        out.push_back('\n');
        break;
      default:
        out.push_back('\\');
        out.push_back(next);
    }
  }
}

std::string unescaped(const Quoted& quoted) {
  if (!quoted.escaped) return std::string(quoted.raw);
  std::string out;
  out.reserve(quoted.raw.size());
  append_unescaped(out, quoted.raw);
  return out;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Eight ASCII bytes at a time while there are eight left.
    while (i + 8 <= text.size()) {
      std::uint64_t word = 0;
      for (std::size_t k = 0; k < 8; ++k) {
        word |= static_cast<std::uint64_t>(static_cast<unsigned char>(text[i + k])) << (8 * k);
      }
      if ((word & 0x8080808080808080ull) != 0) break;
      i += 8;
    }
    if (i >= text.size()) break;
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::optional<double> parse_float(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view unsigned_part = text;
  bool negative = false;
  bool has_sign = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    has_sign = true;
    unsigned_part.remove_prefix(1);
    if (unsigned_part.empty()) return std::nullopt;
  }
  const char first = unsigned_part[0];
  if (first == 'i' || first == 'I') {
    if (!iequals(unsigned_part, "inf") && !iequals(unsigned_part, "infinity")) return std::nullopt;
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (first == 'n' || first == 'N') {
    if (has_sign || !iequals(unsigned_part, "nan")) return std::nullopt;
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Digits, one '.', and an exponent: from_chars checks the shape, but must not see a second sign
  // ("--1") or its own spellings ("nan(...)", "inf") — excluded above and by this character check.
  if (!is_digit(first) && first != '.') return std::nullopt;
  for (const char c : unsigned_part) {
    if (!is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return std::nullopt;
    }
  }
  double value = 0.0;
  const char* end = unsigned_part.data() + unsigned_part.size();
  const auto [stop, error] = std::from_chars(unsigned_part.data(), end, value);
  if (stop != end) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    if (decimal_magnitude(unsigned_part) > 0) return std::nullopt;  // overflow: Go's ErrRange
    value = 0.0;                                                    // underflow: Go gives zero
  } else if (error != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::string quote_for_message(std::string_view text, std::size_t max_bytes) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length > 0) {
        out.append(text.substr(i, length));
        i += length;
      } else {
        out += fmt::format("\\x{:02x}", byte);
        ++i;
      }
      continue;
    }
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += fmt::format("\\x{:02x}", byte);
        } else {
          out.push_back(static_cast<char>(byte));
        }
    }
    ++i;
  }
  out += '"';
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace llmpace::telemetry::lexing
