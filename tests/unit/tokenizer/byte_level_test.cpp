#include "llmpace/tokenizer/byte_level.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using llmpace::tokenizer::byte_level_code_point;
using llmpace::tokenizer::from_byte_level;
using llmpace::tokenizer::to_byte_level;

TEST_CASE("the byte-level alphabet is GPT-2's bytes_to_unicode") {
  CHECK(byte_level_code_point('a') == U'a');
  CHECK(byte_level_code_point('!') == U'!');
  CHECK(byte_level_code_point('~') == U'~');
  CHECK(byte_level_code_point(0xA1) == U'\u00A1');
  CHECK(byte_level_code_point(0xFF) == U'\u00FF');
  CHECK(byte_level_code_point(0x00) == U'\u0100');
  CHECK(byte_level_code_point(' ') == U'\u0120');   // 'Ġ'
  CHECK(byte_level_code_point('\n') == U'\u010A');  // 'Ċ'
  CHECK(byte_level_code_point('\t') == U'\u0109');  // 'ĉ'
  CHECK(byte_level_code_point(0x7F) == U'\u0121');
  CHECK(byte_level_code_point(0xAD) == U'\u0143');          // the last one shifted
  CHECK(to_byte_level(" the\n") == "\xC4\xA0the\xC4\x8A");  // "ĠtheĊ"
}

TEST_CASE("every byte maps to its own code point and back") {
  std::set<char32_t> seen;
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) {
    const char32_t code_point = byte_level_code_point(static_cast<unsigned char>(byte));
    CHECK(code_point <= 0x143);
    seen.insert(code_point);
    all_bytes.push_back(static_cast<char>(byte));
  }
  CHECK(seen.size() == 256);
  const std::string text = to_byte_level(all_bytes);
  const auto back = from_byte_level(text);
  REQUIRE(back.has_value());
  CHECK(*back == all_bytes);
}

TEST_CASE("from_byte_level rejects text outside the alphabet") {
  CHECK_FALSE(from_byte_level("\xE2\x96\x81hello").has_value());  // '▁' of SentencePiece
  CHECK_FALSE(from_byte_level("a b").has_value());                // a real space is not in it
  CHECK_FALSE(from_byte_level("\xC4").has_value());               // cut UTF-8
  CHECK(from_byte_level("<|endoftext|>") == std::string("<|endoftext|>"));
  CHECK(from_byte_level("") == std::string());
}
