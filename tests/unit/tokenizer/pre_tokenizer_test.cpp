// Pre-tokenizer and normalizer variants of tokenizer.json: GPT-2's ByteLevel with its own regex
// and add_prefix_space, literal Split patterns, Unicode normalization.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;
using Ids = std::vector<TokenId>;

namespace {

nlohmann::json byte_level(bool add_prefix_space, bool use_regex) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", add_prefix_space},
          {"trim_offsets", true},
          {"use_regex", use_regex}};
}

}  // namespace

TEST_CASE("ByteLevel with use_regex splits with GPT-2's regex") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  json["pre_tokenizer"] = byte_level(false, true);
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("the lower", false) == Ids{'t', 257, ' ', 262});
  // GPT-2's contractions are lowercase only.
  CHECK(tokenizer->encode("we'RE", false) == Ids{'w', 'e', '\'', 'R', 'E'});
  CHECK(tokenizer->encode("we're", false) == Ids{'w', 'e', '\'', 264});
}

TEST_CASE("ByteLevel with add_prefix_space puts a space before each stretch of text") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  json["pre_tokenizer"] = byte_level(true, true);
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("the", false) == Ids{258});
  CHECK(tokenizer->encode(" the", false) == Ids{258});  // already has one
  CHECK(tokenizer->encode("the<|eot|>the", false) == Ids{258, 301, 258});
  CHECK(tokenizer->decode(tokenizer->encode("the", false)) == " the");
}

TEST_CASE("a Split with a String pattern splits on the literal text") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  json["pre_tokenizer"] = {{"type", "Sequence"},
                           {"pretokenizers",
                            {{{"type", "Split"},
                              {"pattern", {{"String", "e"}}},
                              {"behavior", "Isolated"},
                              {"invert", false}},
                             byte_level(false, false)}}};
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  // "lower" is "low" "e" "r": the e r merge cannot cross pieces.
  CHECK(tokenizer->encode("lower", false) == Ids{260, 'e', 'r'});
}

TEST_CASE("the NFC normalizer composes before tokenizing") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  json["normalizer"] = {{"type", "NFC"}};
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  const std::string composed = "caf\xC3\xA9";     // café, é as U+00E9
  const std::string decomposed = "cafe\xCC\x81";  // e + U+0301
  CHECK(tokenizer->encode(decomposed, false) == tokenizer->encode(composed, false));
  CHECK(tokenizer->decode(tokenizer->encode(decomposed, false)) == composed);

  json["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}}}};
  const auto nfd = load_tokenizer(dir.write("nfd.json", json.dump()));
  CHECK(nfd->decode(nfd->encode(composed, false)) == decomposed);
}

TEST_CASE("pre-tokenizer whitespace is Unicode White_Space") {
  // A merge of a character's last byte with a following '!' shows where the pre-tokens are: a
  // character that is not whitespace joins the punctuation after it (" ?[^\s\p{L}\p{N}]+"),
  // a whitespace character stays alone.
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json(false);
  int id = 320;
  for (const char* last_byte : {"\x85", "\x8E", "\xBF"}) {
    const std::string left = llmpace::tokenizer::to_byte_level(last_byte);
    json["model"]["vocab"][left + "!"] = id++;
    json["model"]["merges"].push_back({left, "!"});
  }
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  // U+0085 (NEL) is White_Space (JavaScript's \s says no).
  CHECK(tokenizer->encode("\xC2\x85!", false) == Ids{0xC2, 0x85, '!'});
  // U+180E stopped being White_Space in Unicode 6.3 (PCRE2's own \s still takes it).
  CHECK(tokenizer->encode("\xE1\xA0\x8E!", false) == Ids{0xE1, 0xA0, 321});
  // U+FEFF is not White_Space (JavaScript's \s says yes).
  CHECK(tokenizer->encode("\xEF\xBB\xBF!", false) == Ids{0xEF, 0xBB, 322});
}
