// decode(encode(x)) == x: byte-level BPE loses nothing, whatever the text.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;

TEST_CASE("decode of encode gives the text back for varied UTF-8") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  const std::vector<std::string> texts = {
      "The lower the better, they'll say: I'm sure it's DON'T and WON'T.",
      "café naïve résumé Ångström Dvořák Łódź Straße İstanbul",
      "cafe\u0301 (decomposed) and \u00ad soft hyphen",
      "Съешь же ещё этих мягких французских булок; Ξεσκεπάζω την ψυχοφθόρα",
      "我能吞下玻璃而不伤身体。いろはにほへと、カタカナ。다람쥐 헌 쳇바퀴에 타고파",
      "العربية עברית हिन्दी ไทย",
      "emoji 😀🤖🚀 ZWJ 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 skin 👍🏽 "
      "flags "
      "🇫🇷🇯🇵",
      "tabs\tand\t\ttabs, newlines\n\n\nand CRLF\r\n and lone CR\r end",
      "numbers 12345678 3.14159 -0.001 1,000,000 ٣٤٥ ½",
      "   leading and trailing spaces   ",
      "\n",
      "",
      "<|bos|>special<|eot|> tokens<|eot|>",
      std::string("a NUL \0 inside", 15),
      "\x01\x02\x1b[0m\x7f control bytes",
  };
  for (const std::string& text : texts) {
    INFO(text);
    CHECK(tokenizer->decode(tokenizer->encode(text, false)) == text);
  }
}

TEST_CASE("text that is not valid UTF-8 is still encoded byte for byte") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  const std::string text = "ok \xFF\xFE bad \xC3 cut \xE2\x82 and \xED\xA0\x80 surrogate the";
  const std::vector<TokenId> ids = tokenizer->encode(text, false);
  CHECK(tokenizer->decode(ids) == text);
  CHECK(ids.back() == 258);  // " the" after the bad bytes still merges
}

TEST_CASE("random bytes round trip") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  std::mt19937 random(12345);
  for (int i = 0; i < 200; ++i) {
    std::string text(random() % 300, '\0');
    for (char& c : text) {
      // Mostly ASCII and the lead/continuation bytes of UTF-8, some anything.
      const unsigned kind = random() % 4;
      c = static_cast<char>(kind == 0   ? random() % 256
                            : kind == 1 ? 0x80 + random() % 64
                                        : 0x20 + random() % 95);
    }
    INFO(i);
    CHECK(tokenizer->decode(tokenizer->encode(text, false)) == text);
  }
}
