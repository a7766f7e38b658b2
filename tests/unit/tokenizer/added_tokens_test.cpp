// Added (special) tokens and the post-processor's BOS, on the tiny tokenizer of
// tokenizer_files.hpp.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"
#include "unit/tokenizer/tokenizer_files.hpp"

using llmpace::tokenizer::load_tokenizer;
using llmpace::tokenizer::TokenId;
using llmpace::tokenizer::testing::added_token;
using llmpace::tokenizer::testing::TempDir;
using llmpace::tokenizer::testing::tiny_tokenizer_json;
using Ids = std::vector<TokenId>;

TEST_CASE("added tokens are split out first and become single ids") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  CHECK(tokenizer->encode("<|bos|>", false) == Ids{300});
  CHECK(tokenizer->encode("<|bos|> the<|eot|>", false) == Ids{300, 258, 301});
  CHECK(tokenizer->encode("<|eot|><|eot|>", false) == Ids{301, 301});
  // The text between tokens is tokenized on its own: no pre-token spans a special token.
  CHECK(tokenizer->encode("lo<|eot|>wer", false) == Ids{259, 301, 'w', 261});
  // Not quite a token: ordinary text.
  CHECK(tokenizer->encode("<|eot|", false) == Ids{'<', '|', 'e', 'o', 't', '|'});
  // Leftmost-longest: "abc" wins over "ab"; non-special added tokens are matched too.
  CHECK(tokenizer->encode("xabcx", false) == Ids{'x', 303, 'x'});
  CHECK(tokenizer->encode("abab", false) == Ids{302, 302});
}

TEST_CASE("add_special_tokens prepends the template's BOS") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  CHECK(tokenizer->encode(" the", true) == Ids{300, 258});
  CHECK(tokenizer->encode(" the", false) == Ids{258});
  CHECK(tokenizer->encode("", true) == Ids{300});
  // A BOS already in the text is text: it is kept, and the template adds its own.
  CHECK(tokenizer->encode("<|bos|>a", true) == Ids{300, 300, 'a'});
}

TEST_CASE("TemplateProcessing may add tokens after the sequence too") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  nlohmann::json& processor = json["post_processor"]["processors"][1];
  processor["single"].push_back({{"SpecialToken", {{"id", "<|eot|>"}, {"type_id", 0}}}});
  processor["special_tokens"]["<|eot|>"] = {
      {"id", "<|eot|>"}, {"ids", {301}}, {"tokens", {"<|eot|>"}}};
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("lower", true) == Ids{300, 262, 301});
  CHECK(tokenizer->encode("lower", false) == Ids{262});
}

TEST_CASE("RobertaProcessing wraps in cls and sep") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  json["post_processor"] = {{"type", "RobertaProcessing"},
                            {"sep", {"<|eot|>", 301}},
                            {"cls", {"<|bos|>", 300}},
                            {"trim_offsets", true},
                            {"add_prefix_space", false}};
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("lower", true) == Ids{300, 262, 301});
}

TEST_CASE("lstrip and rstrip added tokens take the whitespace around them") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  nlohmann::json mask = added_token("<mask>", 310, true);
  mask["lstrip"] = true;
  json["added_tokens"].push_back(mask);
  nlohmann::json sep = added_token("<sep>", 311, true);
  sep["rstrip"] = true;
  json["added_tokens"].push_back(sep);
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("a  <mask> the", false) == Ids{'a', 310, 258});
  CHECK(tokenizer->encode("a <sep>  lower", false) == Ids{'a', ' ', 311, 262});
}

TEST_CASE("a single_word added token only matches outside words") {
  const TempDir dir;
  nlohmann::json json = tiny_tokenizer_json();
  nlohmann::json word = added_token("cat", 312, false);
  word["single_word"] = true;
  json["added_tokens"].push_back(word);
  const auto tokenizer = load_tokenizer(dir.write("t.json", json.dump()));
  CHECK(tokenizer->encode("a cat", false) == Ids{'a', ' ', 312});
  CHECK(tokenizer->encode("cats", false) == Ids{'c', 'a', 't', 's'});
}

TEST_CASE("decode writes added tokens as their text") {
  const TempDir dir;
  const auto tokenizer = load_tokenizer(dir.write("t.json", tiny_tokenizer_json().dump()));
  const std::vector<TokenId> ids = tokenizer->encode("hi<|eot|> the lower", true);
  CHECK(tokenizer->decode(ids) == "<|bos|>hi<|eot|> the lower");
  const std::vector<TokenId> unknown{258, 99999, -1, 262};
  CHECK(tokenizer->decode(unknown) == " thelower");  // ids of nothing are skipped
}
