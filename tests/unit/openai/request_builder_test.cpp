#include "llmpace/openai/request_builder.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace llmpace::openai {
namespace {

using nlohmann::json;

GenerationRequest sample_request() {
  GenerationRequest request;
  request.model = "meta-llama/Llama-3.1-8B-Instruct";
  request.prompt = "Tell me about \"SSE\".\n";
  request.max_output_tokens = 128;
  return request;
}

json build(ApiKind api, const GenerationRequest& request) {
  return json::parse(build_request_body(api, request));
}

TEST_CASE("Chat request body", "[openai][request]") {
  const json body = build(ApiKind::chat_completions, sample_request());
  CHECK(body["model"] == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(body["messages"] ==
        json::array({{{"role", "user"}, {"content", "Tell me about \"SSE\".\n"}}}));
  CHECK_FALSE(body.contains("prompt"));
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"] == json{{"include_usage", true}});
  CHECK(body["max_completion_tokens"] == 128);
  CHECK(body["max_tokens"] == 128);
  CHECK(body["ignore_eos"] == true);
}

TEST_CASE("Completions request body", "[openai][request]") {
  const json body = build(ApiKind::completions, sample_request());
  CHECK(body["model"] == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(body["prompt"] == "Tell me about \"SSE\".\n");
  CHECK_FALSE(body.contains("messages"));
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"] == json{{"include_usage", true}});
  CHECK(body["max_tokens"] == 128);
  CHECK_FALSE(body.contains("max_completion_tokens"));
  CHECK(body["ignore_eos"] == true);
}

TEST_CASE("Chat sends a request's own messages when it has them", "[openai][request]") {
  GenerationRequest request;
  request.model = "m";
  request.prompt = "ignored for chat";
  const auto messages = nlohmann::json::array(
      {{{"role", "system"}, {"content", "be brief"}}, {{"role", "user"}, {"content", "hi"}}});
  request.messages = &messages;
  const auto chat = nlohmann::json::parse(build_request_body(ApiKind::chat_completions, request));
  CHECK(chat["messages"] == messages);
  // Completions have no messages: the prompt text goes.
  const auto completion = nlohmann::json::parse(build_request_body(ApiKind::completions, request));
  CHECK(completion["prompt"] == "ignored for chat");
  CHECK_FALSE(completion.contains("messages"));
}

TEST_CASE("The model field comes first in the body", "[openai][request]") {
  CHECK(build_request_body(ApiKind::chat_completions, sample_request()).rfind("{\"model\":", 0) ==
        0);
}

TEST_CASE("ignore_eos goes only with a fixed output length", "[openai][request]") {
  GenerationRequest request = sample_request();
  SECTION("no max tokens: the server decides, no ignore_eos") {
    request.max_output_tokens.reset();
    for (ApiKind api : {ApiKind::chat_completions, ApiKind::completions}) {
      const json body = build(api, request);
      CHECK_FALSE(body.contains("max_tokens"));
      CHECK_FALSE(body.contains("max_completion_tokens"));
      CHECK_FALSE(body.contains("ignore_eos"));
    }
  }
  SECTION("max tokens without ignore_eos") {
    request.ignore_eos = false;
    const json body = build(ApiKind::chat_completions, request);
    CHECK(body["max_tokens"] == 128);
    CHECK_FALSE(body.contains("ignore_eos"));
  }
}

TEST_CASE("A non-streaming body has no stream_options", "[openai][request]") {
  GenerationRequest request = sample_request();
  request.stream = false;
  const json body = build(ApiKind::chat_completions, request);
  CHECK(body["stream"] == false);
  CHECK_FALSE(body.contains("stream_options"));
}

TEST_CASE("extra_body is merged last", "[openai][request]") {
  GenerationRequest request = sample_request();
  request.extra_body =
      json{{"temperature", 0.0},
           {"max_tokens", 7},
           {"stream_options", {{"include_usage", true}, {"continuous_usage_stats", true}}},
           {"chat_template_kwargs", {{"enable_thinking", false}}}};
  const json body = build(ApiKind::chat_completions, request);
  CHECK(body["temperature"] == 0.0);
  CHECK(body["max_tokens"] == 7);  // the user's value wins
  CHECK(body["max_completion_tokens"] == 128);
  CHECK(body["stream_options"]["continuous_usage_stats"] == true);
  CHECK(body["chat_template_kwargs"]["enable_thinking"] == false);
}

TEST_CASE("A null or non-object extra_body is ignored", "[openai][request]") {
  GenerationRequest request = sample_request();
  const json plain = build(ApiKind::completions, request);
  for (const json& extra : {json(), json::array({1, 2}), json("x"), json::object()}) {
    INFO(extra.dump());
    request.extra_body = extra;
    CHECK(build(ApiKind::completions, request) == plain);
  }
}

TEST_CASE("first_model_id reads the OpenAI model list", "[openai][request]") {
  CHECK(
      first_model_id(R"({"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model",)"
                     R"("created":1,"owned_by":"vllm","max_model_len":32768},{"id":"lora-a"}]})") ==
      std::optional<std::string>("Qwen/Qwen3-8B"));
  // llama-server adds a "models" array next to the OpenAI shape.
  CHECK(first_model_id(R"({"models":[{"name":"m.gguf"}],"object":"list",)"
                       R"("data":[{"id":"m.gguf","object":"model"}]})") ==
        std::optional<std::string>("m.gguf"));
}

TEST_CASE("first_model_id rejects other shapes without throwing", "[openai][request]") {
  for (const char* body :
       {"", "not json", "{", "[]", "null", R"({"data":[]})", R"({"data":{}})", R"({"data":[1]})",
        R"({"data":[{"name":"x"}]})", R"({"data":[{"id":7}]})", R"({"data":[{"id":""}]})",
        R"({"error":{"message":"unauthorized"}})"}) {
    INFO(body);
    std::optional<std::string> id;
    REQUIRE_NOTHROW(id = first_model_id(body));
    CHECK_FALSE(id);
  }
}

TEST_CASE("The body written directly is byte for byte the JSON document's dump",
          "[openai][request]") {
  // Oracle: an extra_body that sets "model" to its own value takes the document path (a field
  // replaced in place) and must dump exactly what the direct writer writes without it.
  const auto check_both_paths = [](ApiKind api, const GenerationRequest& request) {
    GenerationRequest via_document = request;
    via_document.extra_body = json{{"model", request.model}};
    INFO("api " << static_cast<int>(api) << ", prompt " << request.prompt);
    CHECK(build_request_body(api, request) == build_request_body(api, via_document));
  };
  GenerationRequest request = sample_request();
  request.prompt = "quotes \" \\ tab\t nl\n cr\r bell\x07 nul-free, é, 漢字, emoji 😀 \x1f";
  for (ApiKind api : {ApiKind::chat_completions, ApiKind::completions}) {
    check_both_paths(api, request);
    GenerationRequest variant = request;
    variant.stream = false;
    check_both_paths(api, variant);
    variant = request;
    variant.max_output_tokens.reset();
    check_both_paths(api, variant);
    variant = request;
    variant.ignore_eos = false;
    variant.max_output_tokens = 0;
    check_both_paths(api, variant);
    variant = request;
    const auto messages = json::array({{{"role", "user"}, {"content", "a\nb"}, {"name", "x"}}});
    variant.messages = &messages;
    check_both_paths(api, variant);
    variant = request;
    variant.prompt = "plain words, digits 0123 and ~ punctuation!";
    check_both_paths(api, variant);
    for (const char* one_escape : {"a \\ backslash", "a \" quote", "a \x7f delete"}) {
      variant.prompt = one_escape;
      check_both_paths(api, variant);
    }
    variant = request;
    variant.prompt = {};
    variant.model = "m/\"odd\"";
    check_both_paths(api, variant);
  }
}

TEST_CASE("A byte that needs escaping is escaped wherever it is in the prompt",
          "[openai][request]") {
  // The plain-text check reads sixteen bytes at a time: each byte JSON escapes, and the printable
  // bytes at the edges of the plain range, at every offset of a block and of the tail.
  const std::string plain = "abcdefgh ijklmno~pqrstuvwxyz ABCDEFGHIJK";  // two blocks, a tail of 8
  const std::vector<std::string> bytes = {
      std::string(1, '\0'), "\x01", "\t", "\n", "\x1f", "\"", "\\", "\x7f",
      "\xc3\xa9",           " ",    "~",  "!"};
  GenerationRequest request = sample_request();
  for (std::size_t at = 0; at < plain.size(); ++at) {
    for (const std::string& byte : bytes) {
      std::string prompt = plain;
      prompt.replace(at, 1, byte);
      request.prompt = prompt;
      INFO("byte " << static_cast<int>(static_cast<unsigned char>(byte[0])) << " at " << at);
      const std::string body = build_request_body(ApiKind::completions, request);
      CHECK(json::parse(body)["prompt"] == prompt);
      // Exactly the document's text: escaped as nlohmann escapes it, or copied as is.
      CHECK(body.find("\"prompt\":" + json(prompt).dump() + ",") != std::string::npos);
    }
  }
}

TEST_CASE("A prompt that is not UTF-8 fails as the JSON document fails", "[openai][request]") {
  GenerationRequest request = sample_request();
  request.prompt = "bad \xff byte";
  CHECK_THROWS_AS(build_request_body(ApiKind::chat_completions, request), json::type_error);
}

}  // namespace
}  // namespace llmpace::openai
