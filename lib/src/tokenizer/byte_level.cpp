// GPT-2's bytes_to_unicode table and its inverse. See llmpace/tokenizer/byte_level.hpp.
#include "llmpace/tokenizer/byte_level.hpp"

#include <array>

#include "llmpace/core/utf8.hpp"

namespace llmpace::tokenizer {
namespace {

/// Bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves; the other 68 bytes, in increasing
/// order, for U+0100, U+0101, ...
constexpr bool is_self_printing(unsigned byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

constexpr std::array<char32_t, 256> make_code_points() {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;
  for (unsigned byte = 0; byte < 256; ++byte) {
    table[byte] = is_self_printing(byte) ? byte : next++;
  }
  return table;
}

constexpr std::array<char32_t, 256> kCodePoints = make_code_points();

/// The inverse over U+0000..U+01FF (every code point of the alphabet is below U+0144); -1 when a
/// code point stands for no byte.
constexpr std::array<int, 0x200> make_bytes() {
  std::array<int, 0x200> table{};
  for (int& value : table) value = -1;
  for (unsigned byte = 0; byte < 256; ++byte) table[kCodePoints[byte]] = static_cast<int>(byte);
  return table;
}

constexpr std::array<int, 0x200> kBytes = make_bytes();

static_assert(kCodePoints[' '] == 0x120 && kCodePoints['\n'] == 0x10A && kCodePoints['a'] == 'a');

}  // namespace

char32_t byte_level_code_point(unsigned char byte) noexcept { return kCodePoints[byte]; }

std::string to_byte_level(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const char byte : bytes) {
    utf8::append_utf8(kCodePoints[static_cast<unsigned char>(byte)], text);
  }
  return text;
}

std::optional<std::string> from_byte_level(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedCodePoint decoded = utf8::decode_utf8(text, pos);
    if (decoded.length == 0 || decoded.code_point >= kBytes.size()) return std::nullopt;
    const int byte = kBytes[decoded.code_point];
    if (byte < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(byte));
    pos += decoded.length;
  }
  return bytes;
}

}  // namespace llmpace::tokenizer
