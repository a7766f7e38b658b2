#include "llmpace/sim/sim_response.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

using llmpace::openai::ApiKind;
using llmpace::sim::ResponseRenderer;
using Json = nlohmann::json;

Json event_json(const std::string& event) {
  REQUIRE(event.rfind("data: ", 0) == 0);
  REQUIRE(event.size() > 8);
  REQUIRE(event.substr(event.size() - 2) == "\n\n");
  return Json::parse(event.substr(6, event.size() - 8));
}

}  // namespace

TEST_CASE("chat stream events have vLLM's shape") {
  const ResponseRenderer renderer{
      ApiKind::chat_completions, "chatcmpl-1", 1700000000, "m\"x", 4, 3};
  const Json role = event_json(renderer.role_event());
  CHECK(role["id"] == "chatcmpl-1");
  CHECK(role["object"] == "chat.completion.chunk");
  CHECK(role["created"] == 1700000000);
  CHECK(role["model"] == "m\"x");
  CHECK(role["choices"][0]["delta"] == Json{{"role", "assistant"}, {"content", ""}});
  CHECK(role["choices"][0]["finish_reason"].is_null());

  const Json first = event_json(renderer.token_event(0));
  CHECK(first["choices"][0]["delta"] == Json{{"content", " lorem"}});
  CHECK(first["choices"][0]["finish_reason"].is_null());
  const Json last = event_json(renderer.token_event(2));
  CHECK(last["choices"][0]["delta"]["content"] == " dolor");
  CHECK(last["choices"][0]["finish_reason"] == "length");

  const Json usage = event_json(renderer.usage_event());
  CHECK(usage["choices"] == Json::array());
  CHECK(usage["usage"] ==
        Json{{"prompt_tokens", 4}, {"completion_tokens", 3}, {"total_tokens", 7}});
  CHECK(ResponseRenderer::kDoneEvent == "data: [DONE]\n\n");
}

TEST_CASE("completion stream events carry text") {
  const ResponseRenderer renderer{ApiKind::completions, "cmpl-1", 1, "m", 1, 1};
  const Json only = event_json(renderer.token_event(0));
  CHECK(only["object"] == "text_completion");
  CHECK(only["choices"][0]["text"] == " lorem");
  CHECK(only["choices"][0]["finish_reason"] == "length");
}

TEST_CASE("token events are byte-exact, and append_token_event appends the same bytes") {
  const ResponseRenderer chat{ApiKind::chat_completions, "chatcmpl-1", 1700000000, "m\"x", 4, 3};
  CHECK(chat.token_event(1) ==
        R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"m\"x","choices":[{"index":0,"delta":{"content":" ipsum"},"logprobs":null,)"
        R"("finish_reason":null}]})"
        "\n\n");
  CHECK(chat.token_event(2) ==
        R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"m\"x","choices":[{"index":0,"delta":{"content":" dolor"},"logprobs":null,)"
        R"("finish_reason":"length","stop_reason":null}]})"
        "\n\n");
  const ResponseRenderer completion{ApiKind::completions, "cmpl-1", 1, "m", 1, 20, "stop"};
  CHECK(completion.token_event(17) ==
        R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":)"
        R"([{"index":0,"text":" ipsum","logprobs":null,"finish_reason":null}]})"
        "\n\n");
  CHECK(completion.token_event(19) ==
        R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":)"
        R"([{"index":0,"text":" sit","logprobs":null,"finish_reason":"stop","stop_reason":null}]})"
        "\n\n");
  std::string buffer = "before|";
  completion.append_token_event(buffer, 3);
  CHECK(buffer == "before|" + completion.token_event(3));
}

TEST_CASE("non-streaming bodies hold the whole text and usage") {
  const Json chat =
      Json::parse(ResponseRenderer{ApiKind::chat_completions, "c", 1, "m", 2, 2}.full_body());
  CHECK(chat["object"] == "chat.completion");
  CHECK(chat["choices"][0]["message"]["role"] == "assistant");
  CHECK(chat["choices"][0]["message"]["content"] == " lorem ipsum");
  CHECK(chat["choices"][0]["finish_reason"] == "length");
  CHECK(chat["usage"]["total_tokens"] == 4);

  const Json completion =
      Json::parse(ResponseRenderer{ApiKind::completions, "c", 1, "m", 2, 1}.full_body());
  CHECK(completion["object"] == "text_completion");
  CHECK(completion["choices"][0]["text"] == " lorem");
  CHECK(completion["usage"]["completion_tokens"] == 1);
}

TEST_CASE("models list names the served model") {
  const Json models = Json::parse(llmpace::sim::models_body("m", 4096, 5));
  CHECK(models["object"] == "list");
  REQUIRE(models["data"].size() == 1);
  CHECK(models["data"][0]["id"] == "m");
  CHECK(models["data"][0]["object"] == "model");
  CHECK(models["data"][0]["owned_by"] == "llmpace");
  CHECK(models["data"][0]["max_model_len"] == 4096);
}
