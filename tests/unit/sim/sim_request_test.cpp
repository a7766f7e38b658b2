#include "llmpace/sim/sim_request.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
  CHECK(request.prompt_tokens == 5);
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
  CHECK(parse_ok(ApiKind::completions, R"({"prompt":"a b c","max_tokens":2})").prompt_tokens == 3);
  CHECK(parse_ok(ApiKind::completions, R"({"prompt":["a b"]})").prompt_tokens == 2);
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
