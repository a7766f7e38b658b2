#include "llmpace/sim/sim_tokenizer.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "llmpace/sim/sim_response.hpp"

namespace {

using namespace llmpace::sim;
using Ids = std::vector<std::int64_t>;
using Json = nlohmann::json;

Json tokenize_ok(std::string_view body) {
  auto answer = tokenize_response(body, "m", 4096);
  if (const auto* error = std::get_if<ApiError>(&answer)) FAIL(error->message);
  return Json::parse(std::get<std::string>(answer));
}

ApiError tokenize_error(std::string_view body) {
  auto answer = tokenize_response(body, "m", 4096);
  REQUIRE(std::holds_alternative<ApiError>(answer));
  return std::get<ApiError>(answer);
}

Json detokenize_ok(std::string_view body) {
  auto answer = detokenize_response(body, "m");
  if (const auto* error = std::get_if<ApiError>(&answer)) FAIL(error->message);
  return Json::parse(std::get<std::string>(answer));
}

ApiError detokenize_error(std::string_view body) {
  auto answer = detokenize_response(body, "m");
  REQUIRE(std::holds_alternative<ApiError>(answer));
  return std::get<ApiError>(answer);
}

// Texts with vocabulary words, other words, punctuation, placeholders, and every separator.
const std::vector<std::string> kTexts{
    "",
    " \t\n\r\f\v ",
    "lorem ipsum dolor",
    "The quick brown fox, the QUICK brown fox!",
    "  leading and trailing\twhitespace\n",
    "tok256 tok2147483647 tok2147483648 tok0 tok12 tok0300 tok-5 tok tokens",
    "unicode: caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac",
    "a\vb\fc\rd"};

}  // namespace

TEST_CASE("tokenize gives one id per word and agrees with count_words") {
  for (const std::string& text : kTexts) {
    const Ids ids = tokenize(text);
    CHECK(static_cast<std::int64_t>(ids.size()) == count_words(text));
    for (const std::int64_t id : ids) {
      CHECK(is_valid_token_id(id));
      CHECK(id <= std::numeric_limits<std::int32_t>::max());
    }
  }
  CHECK(tokenize("lorem ipsum") == Ids{0, 1});
  CHECK(tokenize("  the   the ") == Ids{16, 16});
  const Ids hashed = tokenize("Lorem zebra-crossing");
  REQUIRE(hashed.size() == 2);
  CHECK(hashed[0] >= kVocabularyWords);
  CHECK(hashed[1] >= kVocabularyWords);
  CHECK(hashed[0] != hashed[1]);
  CHECK(tokenize("zebra-crossing") == Ids{hashed[1]});  // deterministic
}

TEST_CASE("tokenize then detokenize then tokenize gives the same ids") {
  for (const std::string& text : kTexts) {
    const Ids ids = tokenize(text);
    CHECK(tokenize(detokenize(ids)) == ids);
  }
  // Any valid ids round-trip, including ones tokenize would not give for a vocabulary word.
  const Ids edges{0, 1, kVocabularyWords - 1, kVocabularyWords, 1000, kMaxTokenId, 42};
  CHECK(tokenize(detokenize(edges)) == edges);
  CHECK(detokenize(Ids{0, 16, 300}) == "lorem the tok300");
  CHECK(detokenize(Ids{}).empty());
}

TEST_CASE("only canonical placeholders of hashed-range ids are recognised") {
  CHECK(word_token_id("tok256") == 256);
  CHECK(word_token_id("tok2147483647") == kMaxTokenId);
  for (const std::string_view word : {"tok255", "tok0", "tok0300", "tok2147483648", "tok+300",
                                      "tok300x", "tok", "Tok300", "tok99999999999"}) {
    INFO(word);
    const std::int64_t id = word_token_id(word);
    CHECK(id >= kVocabularyWords);
    CHECK(is_valid_token_id(id));
  }
  CHECK(word_token_id("tok0300") != 300);
  CHECK(word_token_id("tok255") != 255);
}

TEST_CASE("the vocabulary is distinct words and starts with the output words") {
  std::set<std::string> words;
  for (std::int64_t id = 0; id < kVocabularyWords; ++id) {
    const std::string word = token_string(id);
    INFO(word);
    CHECK(!word.empty());
    CHECK(count_words(word) == 1);
    CHECK(word_token_id(word) == id);
    words.insert(word);
  }
  CHECK(static_cast<std::int64_t>(words.size()) == kVocabularyWords);
  for (std::int64_t index = 0; index < 40; ++index) {
    CHECK(tokenize(output_word(index)) == Ids{output_token_id(index)});
  }
}

TEST_CASE("prefix block hashes are chained per full block") {
  Ids first = tokenize("shared prefix words");
  first.resize(40);
  for (std::size_t i = 3; i < first.size(); ++i) first[i] = static_cast<std::int64_t>(i * 7);
  Ids second = first;
  first.resize(64, 1);
  second.resize(64, 2);

  const auto a = prefix_block_hashes(first, 16);
  const auto b = prefix_block_hashes(second, 16);
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 4);
  CHECK(a[0] == b[0]);
  CHECK(a[1] == b[1]);
  CHECK(a[2] != b[2]);
  // Chained: the blocks after a difference differ even where their own ids are equal.
  Ids third = first;
  third[0] = 999;
  const auto c = prefix_block_hashes(third, 16);
  CHECK(c[3] != a[3]);
  CHECK(a[0] != a[1]);

  // A partial last block has no hash, and the full ones do not depend on it.
  const auto partial = prefix_block_hashes(std::span{first}.first(47), 16);
  CHECK(partial == std::vector<std::uint64_t>{a[0], a[1]});
  CHECK(prefix_block_hashes(std::span{first}.first(15), 16).empty());
  CHECK(prefix_block_hashes(first, 0).empty());
  CHECK(prefix_block_hashes(first, 64).size() == 1);
}

TEST_CASE("tokenize completion requests in vLLM's shape") {
  const Json body = tokenize_ok(R"({"model":"m","prompt":"lorem ipsum zebra"})");
  CHECK(body["count"] == 4);  // BOS and 3 words
  CHECK(body["max_model_len"] == 4096);
  CHECK(body["tokens"].get<Ids>() == tokenize("<|begin_of_text|> lorem ipsum zebra"));
  CHECK(body["token_strs"].is_null());
  CHECK(body.size() == 4);

  const Json strs = tokenize_ok(R"({"prompt":"lorem zebra","return_token_strs":true,)"
                                R"("add_special_tokens":false})");
  CHECK(strs["token_strs"][0] == "lorem");
  CHECK(strs["token_strs"][1] == token_string(tokenize("zebra").front()));
  CHECK(tokenize_ok(R"({"prompt":""})")["count"] == 1);
  CHECK(tokenize_ok(R"({"prompt":"","add_special_tokens":false})")["count"] == 0);
  CHECK(tokenize_ok(R"({"prompt":"a b","add_special_tokens":false})")["count"] == 2);
}

TEST_CASE("tokenize chat requests count like chat completions") {
  const std::string messages =
      R"("messages":[{"role":"system","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"hello there world"},)"
      R"({"type":"image_url","image_url":{"url":"x"}}]},{"role":"assistant"}])";
  const Json body = tokenize_ok("{" + messages + R"(,"add_generation_prompt":true})");
  auto parsed = parse_generation_request(llmpace::openai::ApiKind::chat_completions,
                                         "{" + messages + "}", "m", 16);
  REQUIRE(std::holds_alternative<GenerationRequest>(parsed));
  const auto& generation = std::get<GenerationRequest>(parsed);
  // 5 words; BOS; system, user and assistant turns (header of 3, end of turn); assistant header.
  CHECK(body["count"] == 5 + 1 + 3 * 4 + 3);
  CHECK(body["count"] == generation.prompt_tokens);
  CHECK(body["tokens"].get<Ids>() == generation.prompt_token_ids);
  CHECK(body["tokens"].get<Ids>() ==
        tokenize("<|begin_of_text|> <|start_header_id|> system <|end_header_id|> be brief "
                 "<|eot_id|> <|start_header_id|> user <|end_header_id|> hello there world "
                 "<|eot_id|> <|start_header_id|> assistant <|end_header_id|> <|eot_id|> "
                 "<|start_header_id|> assistant <|end_header_id|>"));
  // Continuing the final message leaves it open and adds no generation prompt.
  CHECK(tokenize_ok("{" + messages +
                    R"(,"continue_final_message":true,"add_generation_prompt":false})")["count"] ==
        5 + 1 + 3 * 4 - 1);
  CHECK(tokenize_ok("{" + messages + R"(,"add_generation_prompt":false})")["count"] == 5 + 1 + 12);
  CHECK(tokenize_ok("{" + messages + R"(,"add_special_tokens":true})")["count"] == 5 + 2 + 12 + 3);
}

TEST_CASE("bad tokenize requests give 400 and a wrong model 404") {
  CHECK(tokenize_error("{not json").status == 400);
  CHECK(tokenize_error("[1]").status == 400);
  CHECK(tokenize_error(R"({"model":"m"})").message == "Field required: prompt");
  CHECK(tokenize_error(R"({"prompt":[1,2]})").status == 400);
  CHECK(tokenize_error(R"({"prompt":"a","return_token_strs":"yes"})").status == 400);
  CHECK(tokenize_error(R"({"messages":[]})").status == 400);
  CHECK(tokenize_error(R"({"messages":[{"role":"user","content":5}]})").status == 400);
  CHECK(tokenize_error(R"({"messages":[{"role":"user","content":"a"}],)"
                       R"("add_generation_prompt":true,"continue_final_message":true})")
            .message ==
        "Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
  const ApiError wrong_model = tokenize_error(R"({"model":"other","prompt":"a"})");
  CHECK(wrong_model.status == 404);
  CHECK(wrong_model.type == "NotFoundError");
}

TEST_CASE("detokenize joins token words") {
  const Ids ids = tokenize("lorem ipsum Zebra tok300");
  const Json body = detokenize_ok(Json{{"model", "m"}, {"tokens", ids}}.dump());
  CHECK(body.size() == 1);
  CHECK(tokenize(body["prompt"].get<std::string>()) == ids);
  CHECK(detokenize_ok(R"({"tokens":[0,1]})")["prompt"] == "lorem ipsum");
  CHECK(detokenize_ok(R"({"tokens":[]})")["prompt"] == "");
  CHECK(detokenize_ok(R"({"tokens":[2147483647]})")["prompt"] == "tok2147483647");
}

TEST_CASE("bad detokenize requests give 400 and a wrong model 404") {
  CHECK(detokenize_error("nope").status == 400);
  CHECK(detokenize_error(R"({"model":"m"})").message == "Field required: tokens");
  CHECK(detokenize_error(R"({"tokens":"1 2"})").status == 400);
  CHECK(detokenize_error(R"({"tokens":[1,-1]})").status == 400);
  CHECK(detokenize_error(R"({"tokens":[1.5]})").status == 400);
  CHECK(detokenize_error(R"({"tokens":["1"]})").status == 400);
  CHECK(detokenize_error(R"({"tokens":[true]})").status == 400);
  CHECK(detokenize_error(R"({"tokens":[2147483648]})").status == 400);
  CHECK(detokenize_error(R"({"tokens":[18446744073709551615]})").status == 400);
  CHECK(detokenize_error(R"({"model":"x","tokens":[1]})").status == 404);
}
