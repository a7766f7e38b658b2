#include "llmpace/sim/sim_request.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "llmpace/sim/sim_tokenizer.hpp"

namespace {

using llmpace::openai::ApiKind;
using namespace llmpace::sim;

GenerationRequest parse_ok(ApiKind api, std::string_view body) {
  auto parsed = parse_generation_request(api, body, "m", 128);
  if (const auto* error = std::get_if<ApiError>(&parsed)) FAIL(error->message);
  return std::get<GenerationRequest>(parsed);
}

ApiError parse_error(ApiKind api, std::string_view body) {
  auto parsed = parse_generation_request(api, body, "m", 128);
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  return std::get<ApiError>(parsed);
}

}  // namespace

TEST_CASE("count_words counts whitespace-separated words") {
  CHECK(count_words("") == 0);
  CHECK(count_words("   \n\t ") == 0);
  CHECK(count_words("one") == 1);
  CHECK(count_words("  one two\tthree\nfour  ") == 4);
}

TEST_CASE("chat requests: prompt words, max tokens, stream options") {
  const auto request = parse_ok(ApiKind::chat_completions, R"({
    "model": "m", "stream": true, "stream_options": {"include_usage": true}, "ignore_eos": true,
    "max_tokens": 7,
    "messages": [{"role": "system", "content": "be brief"},
                 {"role": "user", "content": [{"type": "text", "text": "hello there world"},
                                              {"type": "image_url", "image_url": {"url": "x"}}]}]
  })");
  CHECK(request.api == ApiKind::chat_completions);
  // 5 words, and the template: BOS, 2 x (header of 3 + end of turn), assistant header of 3.
  CHECK(request.prompt_tokens == 5 + 1 + 2 * 4 + 3);
  CHECK(request.output_tokens == 7);
  CHECK(request.stream);
  CHECK(request.include_usage);
  CHECK(request.ignore_eos);
}

TEST_CASE("chat: max_completion_tokens wins over max_tokens, defaults apply") {
  CHECK(parse_ok(ApiKind::chat_completions,
                 R"({"messages":[{"role":"user","content":"a"}],"max_tokens":3,)"
                 R"("max_completion_tokens":9})")
            .output_tokens == 9);
  const auto defaults =
      parse_ok(ApiKind::chat_completions,
               R"({"messages":[{"role":"user","content":"a b"}],"max_tokens":null})");
  CHECK(defaults.output_tokens == 128);
  CHECK_FALSE(defaults.stream);
  CHECK_FALSE(defaults.include_usage);
}

TEST_CASE("completions: prompt as string, list of one string, or token ids") {
  // Text prompts get BOS; token ids are taken as they are.
  CHECK(parse_ok(ApiKind::completions, R"({"prompt":"a b c","max_tokens":2})").prompt_tokens == 4);
  CHECK(parse_ok(ApiKind::completions, R"({"prompt":["a b"]})").prompt_tokens == 3);
  CHECK(parse_ok(ApiKind::completions, R"({"prompt":[1,2,3,4]})").prompt_tokens == 4);
  // max_completion_tokens is a chat field; completions read max_tokens only.
  CHECK(
      parse_ok(ApiKind::completions, R"({"prompt":"a","max_completion_tokens":5})").output_tokens ==
      128);
}

TEST_CASE("bad requests give vLLM-style 400 errors") {
  CHECK(parse_error(ApiKind::chat_completions, "{not json").status == 400);
  CHECK(parse_error(ApiKind::chat_completions, "[]").status == 400);
  CHECK(parse_error(ApiKind::chat_completions, R"({"model":"m"})").message ==
        "Field required: messages");
  CHECK(parse_error(ApiKind::completions, R"({"model":"m"})").message == "Field required: prompt");
  CHECK(parse_error(ApiKind::completions, R"({"prompt":"a","max_tokens":0})").message ==
        "max_tokens must be at least 1, got 0.");
  CHECK(parse_error(ApiKind::completions, R"({"prompt":"a","max_tokens":"5"})").status == 400);
  CHECK(parse_error(ApiKind::completions, R"({"prompt":"a","stream":"yes"})").status == 400);
  CHECK(parse_error(ApiKind::completions, R"({"prompt":"a","stream_options":{}})").message ==
        "Stream options can only be defined when `stream=True`.");
  CHECK(parse_error(ApiKind::chat_completions, R"({"messages":[{"role":"user","content":5}]})")
            .status == 400);
}

TEST_CASE("an unknown model gives 404 NotFoundError") {
  const auto error = parse_error(ApiKind::completions, R"({"model":"other","prompt":"a"})");
  CHECK(error.status == 404);
  CHECK(error.type == "NotFoundError");
  const auto body = nlohmann::json::parse(error_body(error));
  CHECK(body["object"] == "error");
  CHECK(body["code"] == 404);
  CHECK(body["message"] == "The model `other` does not exist.");
}

TEST_CASE("prompt token ids match prompt_tokens") {
  const auto chat = parse_ok(ApiKind::chat_completions,
                             R"({"messages":[{"role":"user","content":"lorem ipsum zebra"}]})");
  CHECK(chat.prompt_token_ids ==
        tokenize("<|begin_of_text|> <|start_header_id|> user <|end_header_id|> lorem ipsum zebra "
                 "<|eot_id|> <|start_header_id|> assistant <|end_header_id|>"));
  CHECK(static_cast<std::int64_t>(chat.prompt_token_ids.size()) == chat.prompt_tokens);
  const auto text = parse_ok(ApiKind::completions, R"({"prompt":["lorem  ipsum"]})");
  CHECK(text.prompt_token_ids == std::vector<std::int64_t>{word_token_id(kBosToken), 0, 1});
  const auto ids = parse_ok(ApiKind::completions, R"({"prompt":[7,300,2147483647]})");
  CHECK(ids.prompt_token_ids == std::vector<std::int64_t>{7, 300, 2147483647});
  CHECK(ids.prompt_tokens == 3);
}

TEST_CASE("completion token ids outside the vocabulary give 400") {
  CHECK(parse_error(ApiKind::completions, R"({"prompt":[1,-1]})").message ==
        "Token id -1 is out of vocabulary");
  CHECK(parse_error(ApiKind::completions, R"({"prompt":[2147483648]})").status == 400);
  CHECK(parse_error(ApiKind::completions, R"({"prompt":[1,"a"]})").status == 400);
  CHECK(parse_error(ApiKind::completions, R"({"prompt":[]})").status == 400);
}

TEST_CASE("check_model accepts the served model or none") {
  CHECK_FALSE(check_model(nlohmann::json::object(), "m"));
  CHECK_FALSE(check_model(nlohmann::json{{"model", nullptr}}, "m"));
  CHECK_FALSE(check_model(nlohmann::json{{"model", "m"}}, "m"));
  CHECK(check_model(nlohmann::json{{"model", "x"}}, "m")->status == 404);
  CHECK(check_model(nlohmann::json{{"model", 1}}, "m")->status == 400);
}

TEST_CASE("natural output tokens are deterministic with the configured mean") {
  for (const double mean : {3.0, 40.0, 512.0}) {
    INFO(mean);
    double sum = 0;
    std::int64_t shortest = std::numeric_limits<std::int64_t>::max();
    for (std::uint64_t key = 0; key < 10'000; ++key) {
      const std::int64_t tokens = natural_output_tokens(7, key, mean);
      CHECK(tokens == natural_output_tokens(7, key, mean));
      shortest = std::min(shortest, tokens);
      sum += static_cast<double>(tokens);
    }
    CHECK(shortest == 1);
    CHECK(sum / 10'000 == Approx(mean).epsilon(0.05));
  }
  int different = 0;
  for (std::uint64_t key = 0; key < 100; ++key) {
    if (natural_output_tokens(1, key, 100) != natural_output_tokens(2, key, 100)) ++different;
  }
  CHECK(different > 90);
  CHECK(natural_output_tokens(1, 2, 1.0) == 1);
  CHECK(natural_output_tokens(1, 2, 0.0) == 1);
  CHECK(natural_output_tokens(1, 2, std::numeric_limits<double>::quiet_NaN()) == 1);
  CHECK(natural_output_tokens(1, 2, std::numeric_limits<double>::infinity()) ==
        std::numeric_limits<std::int64_t>::max());
}
