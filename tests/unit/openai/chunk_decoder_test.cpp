#include "llmpace/openai/chunk_decoder.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace llmpace::openai {
namespace {

DecodedChunk decode_chat(std::string_view data, std::string_view event = "message") {
  ChunkDecoder decoder(ApiKind::chat_completions);
  return decoder.decode(data, event);
}

DecodedChunk decode_completions(std::string_view data) {
  ChunkDecoder decoder(ApiKind::completions);
  return decoder.decode(data);
}

std::string chat_chunk(std::string_view delta, std::string_view finish = "null") {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
         R"("choices":[{"index":0,"delta":)" +
         std::string(delta) + R"(,"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}";
}

TEST_CASE("ChunkDecoder: content delta", "[openai][decoder]") {
  const DecodedChunk chunk = decode_chat(chat_chunk(R"({"content":"Hello"})"));
  CHECK(chunk.kind == ChunkKind::content);
  CHECK(chunk.content_bytes == 5);
  CHECK(chunk.reasoning_bytes == 0);
  CHECK(chunk.carries_tokens());
  CHECK_FALSE(chunk.finish_reason);
  CHECK_FALSE(chunk.usage);
  CHECK(chunk.error_message.empty());
}

TEST_CASE("ChunkDecoder: content sizes are of the unescaped text", "[openai][decoder]") {
  CHECK(decode_chat(chat_chunk(R"({"content":"a\nb"})")).content_bytes == 3);
  CHECK(decode_chat(chat_chunk(R"({"content":"caf\u00e9"})")).content_bytes == 5);
  CHECK(decode_chat(chat_chunk(R"({"content":"\"q\""})")).content_bytes == 3);
}

TEST_CASE("ChunkDecoder: role-only first chunk", "[openai][decoder]") {
  // vLLM sends an empty content string, llama.cpp sends content null: both mean no text.
  for (const char* delta : {R"({"role":"assistant","content":""})",
                            R"({"role":"assistant","content":null})", R"({"role":"assistant"})"}) {
    INFO(delta);
    const DecodedChunk chunk = decode_chat(chat_chunk(delta));
    CHECK(chunk.kind == ChunkKind::role_only);
    CHECK(chunk.has_role);
    CHECK_FALSE(chunk.carries_tokens());
  }
}

TEST_CASE("ChunkDecoder: empty chunks", "[openai][decoder]") {
  CHECK(decode_chat(chat_chunk("{}")).kind == ChunkKind::empty);
  CHECK(decode_chat(chat_chunk(R"({"content":null})")).kind == ChunkKind::empty);
  CHECK(decode_chat(chat_chunk(R"({"content":""})")).kind == ChunkKind::empty);
  CHECK(decode_chat(chat_chunk(R"({"role":null})")).kind == ChunkKind::empty);
  CHECK(decode_chat("{}").kind == ChunkKind::empty);
  CHECK(decode_chat(R"({"choices":[]})").kind == ChunkKind::empty);
  CHECK(decode_chat(R"({"choices":null,"usage":null})").kind == ChunkKind::empty);
  CHECK(decode_chat("").kind == ChunkKind::empty);  // a bare `data:` line
  CHECK(decode_chat("  \r\n").kind == ChunkKind::empty);
}

TEST_CASE("ChunkDecoder: reasoning deltas", "[openai][decoder]") {
  const DecodedChunk old_name = decode_chat(chat_chunk(R"({"reasoning_content":"Okay"})"));
  CHECK(old_name.kind == ChunkKind::reasoning);
  CHECK(old_name.reasoning_bytes == 4);
  CHECK(old_name.content_bytes == 0);
  CHECK(old_name.carries_tokens());

  const DecodedChunk new_name = decode_chat(chat_chunk(R"({"reasoning":"Hmm."})"));
  CHECK(new_name.kind == ChunkKind::reasoning);
  CHECK(new_name.reasoning_bytes == 4);

  // Servers in transition send the same text under both names: counted once.
  const DecodedChunk both =
      decode_chat(chat_chunk(R"({"reasoning":"abc","reasoning_content":"abc","content":null})"));
  CHECK(both.kind == ChunkKind::reasoning);
  CHECK(both.reasoning_bytes == 3);

  CHECK(decode_chat(chat_chunk(R"({"reasoning_content":null,"content":""})")).kind ==
        ChunkKind::empty);
}

TEST_CASE("ChunkDecoder: content outranks reasoning", "[openai][decoder]") {
  const DecodedChunk chunk = decode_chat(chat_chunk(R"({"reasoning_content":"x","content":"yz"})"));
  CHECK(chunk.kind == ChunkKind::content);
  CHECK(chunk.content_bytes == 2);
  CHECK(chunk.reasoning_bytes == 1);
}

TEST_CASE("ChunkDecoder: finish chunks", "[openai][decoder]") {
  const DecodedChunk finish = decode_chat(chat_chunk(R"({"content":""})", R"("stop")"));
  CHECK(finish.kind == ChunkKind::finish);
  REQUIRE(finish.finish_reason);
  CHECK(*finish.finish_reason == "stop");

  // Older vLLM puts the last token and finish_reason "length" in one chunk: it carries text.
  const DecodedChunk last_token = decode_chat(chat_chunk(R"({"content":"."})", R"("length")"));
  CHECK(last_token.kind == ChunkKind::content);
  REQUIRE(last_token.finish_reason);
  CHECK(*last_token.finish_reason == "length");
}

TEST_CASE("ChunkDecoder: usage chunks", "[openai][decoder]") {
  SECTION("vLLM: empty choices and usage") {
    const DecodedChunk chunk = decode_chat(
        R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
        R"("usage":{"prompt_tokens":42,"total_tokens":74,"completion_tokens":32}})");
    CHECK(chunk.kind == ChunkKind::usage_only);
    REQUIRE(chunk.usage);
    CHECK(chunk.usage->prompt_tokens == 42);
    CHECK(chunk.usage->completion_tokens == 32);
  }
  SECTION("no choices key at all") {
    const DecodedChunk chunk = decode_chat(R"({"usage":{"completion_tokens":3}})");
    CHECK(chunk.kind == ChunkKind::usage_only);
    REQUIRE(chunk.usage);
    CHECK_FALSE(chunk.usage->prompt_tokens);
    CHECK(chunk.usage->completion_tokens == 3);
    CHECK(chunk.usage->problem == "no prompt_tokens");
  }
  SECTION("llama.cpp: usage on the finish chunk") {
    const DecodedChunk chunk = decode_chat(
        R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"created":1,"id":"c",)"
        R"("model":"m","object":"chat.completion.chunk","usage":{"completion_tokens":12,)"
        R"("prompt_tokens":18,"total_tokens":30},"timings":{"predicted_ms":160.4}})");
    CHECK(chunk.kind == ChunkKind::finish);
    REQUIRE(chunk.usage);
    CHECK(chunk.usage->prompt_tokens == 18);
    CHECK(chunk.usage->completion_tokens == 12);
  }
  SECTION("usage null is no usage") {
    const DecodedChunk chunk = decode_completions(
        R"({"choices":[{"index":0,"text":"a","finish_reason":null}],"usage":null})");
    CHECK(chunk.kind == ChunkKind::content);
    CHECK_FALSE(chunk.usage);
  }
  SECTION("non-numeric counts are absent, and said to be wrong") {
    const DecodedChunk chunk =
        decode_chat(R"({"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":"7"}})");
    CHECK(chunk.kind == ChunkKind::usage_only);
    REQUIRE(chunk.usage);
    CHECK_FALSE(chunk.usage->prompt_tokens);
    CHECK_FALSE(chunk.usage->completion_tokens);
    CHECK(chunk.usage->problem ==
          R"(prompt_tokens is null; completion_tokens is not a number ("7"))");
  }
}

TEST_CASE("ChunkDecoder: usage counts in any JSON spelling, never negative", "[openai][decoder]") {
  auto usage_of = [](const std::string& counts) {
    const DecodedChunk chunk = decode_chat(R"({"choices":[],"usage":{)" + counts + "}}");
    REQUIRE(chunk.kind == ChunkKind::usage_only);
    REQUIRE(chunk.usage);
    return *chunk.usage;
  };
  SECTION("8.0 and 8e0 are 8") {
    const auto usage = usage_of(R"("prompt_tokens":16.0,"completion_tokens":8e0)");
    CHECK(usage.prompt_tokens == 16);
    CHECK(usage.completion_tokens == 8);
    CHECK(usage.problem.empty());
  }
  SECTION("a negative count is not a count") {
    const auto usage = usage_of(R"("prompt_tokens":16,"completion_tokens":-5)");
    CHECK(usage.prompt_tokens == 16);
    CHECK_FALSE(usage.completion_tokens);
    CHECK(usage.problem == "completion_tokens is negative (-5)");
  }
  SECTION("-0.0 is zero, not negative") {
    const auto usage = usage_of(R"("prompt_tokens":-0.0,"completion_tokens":0)");
    CHECK(usage.prompt_tokens == 0);
    CHECK(usage.problem.empty());
  }
  SECTION("a fraction is not a count") {
    const auto usage = usage_of(R"("prompt_tokens":16,"completion_tokens":8.5)");
    CHECK_FALSE(usage.completion_tokens);
    CHECK(usage.problem == "completion_tokens is not a whole number (8.5)");
  }
  SECTION("counts beyond any context window are refused") {
    const auto usage =
        usage_of(R"("prompt_tokens":18446744073709551615,"completion_tokens":1e300)");
    CHECK_FALSE(usage.prompt_tokens);
    CHECK_FALSE(usage.completion_tokens);
    CHECK_THAT(usage.problem, Catch::Contains("prompt_tokens is implausibly large") &&
                                  Catch::Contains("completion_tokens is implausibly large"));
  }
  SECTION("usage without completion_tokens") {
    const auto usage = usage_of(R"("prompt_tokens":16,"total_tokens":24)");
    CHECK(usage.prompt_tokens == 16);
    CHECK_FALSE(usage.completion_tokens);
    CHECK(usage.problem == "no completion_tokens");
  }
}

TEST_CASE("ChunkDecoder: completions text", "[openai][decoder]") {
  const DecodedChunk chunk = decode_completions(
      R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,)"
      R"("text":" Paris","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null})");
  CHECK(chunk.kind == ChunkKind::content);
  CHECK(chunk.content_bytes == 6);

  const DecodedChunk finish =
      decode_completions(R"({"choices":[{"index":0,"text":"","finish_reason":"stop"}]})");
  CHECK(finish.kind == ChunkKind::finish);
  CHECK(finish.finish_reason == std::optional<std::string>("stop"));
}

TEST_CASE("ChunkDecoder: each API reads only its own text field", "[openai][decoder]") {
  CHECK(decode_completions(chat_chunk(R"({"content":"x"})")).kind == ChunkKind::empty);
  CHECK(decode_chat(R"({"choices":[{"index":0,"text":"x"}]})").kind == ChunkKind::empty);
}

TEST_CASE("ChunkDecoder: several choices add up", "[openai][decoder]") {
  const DecodedChunk chunk = decode_chat(
      R"({"choices":[{"index":0,"delta":{"content":"ab"}},{"index":1,"delta":{"content":"cde"}}]})");
  CHECK(chunk.kind == ChunkKind::content);
  CHECK(chunk.content_bytes == 5);
}

TEST_CASE("ChunkDecoder: [DONE] sentinel", "[openai][decoder]") {
  CHECK(decode_chat("[DONE]").kind == ChunkKind::done);
  CHECK(decode_chat(" [DONE]\r\n").kind == ChunkKind::done);
  CHECK(decode_completions("[DONE]").kind == ChunkKind::done);
  CHECK(decode_chat("[DONE]", "error").kind == ChunkKind::error);
}

TEST_CASE("ChunkDecoder: error payloads", "[openai][decoder]") {
  SECTION("vLLM mid-stream error object") {
    const DecodedChunk chunk =
        decode_chat(R"({"error": {"object": "error", "message": "EngineCore died", "type": )"
                    R"("InternalServerError", "param": null, "code": 500}})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK(chunk.error_message == "EngineCore died");
  }
  SECTION("flat vLLM ErrorResponse") {
    const DecodedChunk chunk = decode_chat(
        R"({"object":"error","message":"prompt too long","type":"BadRequestError","code":400})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK(chunk.error_message == "prompt too long");
  }
  SECTION("message before object") {
    const DecodedChunk chunk = decode_chat(R"({"message":"late","object":"error"})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK(chunk.error_message == "late");
  }
  SECTION("the error object's message wins over a top-level one") {
    const DecodedChunk chunk = decode_chat(R"({"error":{"message":"inner"},"message":"outer"})");
    CHECK(chunk.error_message == "inner");
  }
  SECTION("error as a string") {
    const DecodedChunk chunk = decode_chat(R"({"error":"overloaded"})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK_FALSE(chunk.malformed);
    CHECK(chunk.error_message == "overloaded");
  }
  SECTION("error object without a message keeps an excerpt") {
    const DecodedChunk chunk = decode_chat(R"({"error":{"code":503}})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK_THAT(chunk.error_message, Catch::Contains("503"));
  }
  SECTION("error null is no error") {
    CHECK(decode_chat(chat_chunk(R"({"content":"x"})").insert(1, R"("error":null,)")).kind ==
          ChunkKind::content);
  }
  SECTION("an error outranks content in the same chunk") {
    const DecodedChunk chunk =
        decode_chat(R"({"choices":[{"delta":{"content":"x"}}],"error":{"message":"m"}})");
    CHECK(chunk.kind == ChunkKind::error);
    CHECK(chunk.content_bytes == 0);
  }
}

TEST_CASE("ChunkDecoder: SSE error events", "[openai][decoder]") {
  const DecodedChunk with_json = decode_chat(R"({"message":"rate limited"})", "error");
  CHECK(with_json.kind == ChunkKind::error);
  CHECK(with_json.error_message == "rate limited");

  const DecodedChunk with_text = decode_chat("upstream reset", "error");
  CHECK(with_text.kind == ChunkKind::error);
  CHECK_THAT(with_text.error_message, Catch::Contains("upstream reset"));
  // Reported on purpose, even when the data is not JSON: not a malformed chunk.
  CHECK_FALSE(with_json.malformed);
  CHECK_FALSE(with_text.malformed);

  // Even a valid content chunk is an error when the event says so.
  CHECK(decode_chat(chat_chunk(R"({"content":"x"})"), "error").kind == ChunkKind::error);
  CHECK(decode_chat("", "error").kind == ChunkKind::error);
}

TEST_CASE("ChunkDecoder: malformed JSON becomes an error, never an exception",
          "[openai][decoder]") {
  const std::string valid = chat_chunk(R"({"content":"Hello"})");
  const std::string truncated = valid.substr(0, valid.size() / 2);
  for (const std::string& data :
       {truncated, std::string("hello"), std::string("{\"choices\":[{\"delta\":{\"content\":"),
        std::string("{\"a\":}"), std::string("[DONE"), std::string("{\"a\":\"\xC3\x28\"}"),
        std::string("{{{{"), std::string("}")}) {
    INFO(data);
    DecodedChunk chunk;
    REQUIRE_NOTHROW(chunk = decode_chat(data));
    CHECK(chunk.kind == ChunkKind::error);
    CHECK(chunk.malformed);
    CHECK_THAT(chunk.error_message, Catch::Contains("malformed JSON"));
  }
  const DecodedChunk chunk = decode_chat(truncated);
  CHECK_THAT(chunk.error_message, Catch::Contains(truncated.substr(0, 20)));
  CHECK_FALSE(chunk.carries_tokens());
}

TEST_CASE("ChunkDecoder: every truncation of a chunk is an error", "[openai][decoder]") {
  // A cut-off body must never pass for a shorter valid chunk.
  ChunkDecoder decoder(ApiKind::chat_completions);
  const std::string valid = chat_chunk(R"({"content":"Hi"})", R"("stop")");
  for (std::size_t size = 1; size < valid.size(); ++size) {
    const DecodedChunk chunk = decoder.decode(std::string_view(valid).substr(0, size));
    if (chunk.kind != ChunkKind::error)
      FAIL("prefix of " << size << " bytes: " << to_string(chunk.kind));
  }
  CHECK(decoder.decode(valid).kind == ChunkKind::content);
}

TEST_CASE("ChunkDecoder: arbitrary bytes never throw", "[openai][decoder]") {
  ChunkDecoder decoder(ApiKind::chat_completions);
  std::string bytes;
  std::uint32_t state = 12345;  // tiny LCG: deterministic, no <random> distribution differences
  for (int round = 0; round < 2000; ++round) {
    bytes.clear();
    const std::size_t size = state % 64;
    for (std::size_t i = 0; i < size; ++i) {
      state = state * 1664525u + 1013904223u;
      bytes.push_back(static_cast<char>("{}[]\":,0 a\\nlu\x00\xff"[(state >> 24) % 17]));
    }
    REQUIRE_NOTHROW(decoder.decode(bytes));
    REQUIRE_NOTHROW(decoder.decode(bytes, "error"));
  }
}

TEST_CASE("ChunkDecoder: a top-level value other than an object is an error", "[openai][decoder]") {
  for (const char* data : {"42", "\"text\"", "[1,2]", "null"}) {
    INFO(data);
    CHECK(decode_chat(data).kind == ChunkKind::error);
  }
}

TEST_CASE("ChunkDecoder: long excerpts are cut", "[openai][decoder]") {
  const DecodedChunk chunk = decode_chat(std::string(1000, 'x'));
  CHECK(chunk.kind == ChunkKind::error);
  CHECK(chunk.error_message.size() < 200);
}

TEST_CASE("ChunkDecoder: one decoder decodes many chunks of any size", "[openai][decoder]") {
  ChunkDecoder decoder(ApiKind::chat_completions);
  const std::string big(100'000, 'a');
  CHECK(decoder.decode(chat_chunk(R"({"content":"ab"})")).content_bytes == 2);
  CHECK(decoder.decode(chat_chunk(R"({"content":")" + big + R"("})")).content_bytes == big.size());
  CHECK(decoder.decode("oops").kind == ChunkKind::error);
  CHECK(decoder.decode(chat_chunk(R"({"content":"c"})")).content_bytes == 1);

  ChunkDecoder moved = std::move(decoder);
  CHECK(moved.decode(chat_chunk(R"({"content":"xyz"})")).content_bytes == 3);
  ChunkDecoder assigned(ApiKind::completions);
  assigned = std::move(moved);
  CHECK(assigned.decode(chat_chunk(R"({"content":"xyz"})")).kind == ChunkKind::content);
}

TEST_CASE(
    "ChunkDecoder: deep nesting in fields it does not read is skipped, before and after growth",
    "[openai][decoder]") {
  // The parser is allocated with a depth of 64 (not simdjson's 1024: 8 KiB per open stream). A
  // field the decoder does not read is skipped whatever its depth, and a valid chunk still
  // decodes after a large one has made the parser grow its buffers.
  const auto nested = [](int depth) {
    return R"({"choices":[{"delta":{"content":"x"}}],"extra":)" + std::string(depth - 1, '[') +
           std::string(depth - 1, ']') + "}";
  };
  ChunkDecoder decoder(ApiKind::chat_completions);
  for (const std::string& padding : {std::string(), std::string(100000, ' ')}) {
    INFO("padding " << padding.size());
    for (const int depth : {2, 64, 65, 300}) {
      INFO("depth " << depth);
      const DecodedChunk chunk = decoder.decode(nested(depth) + padding);
      CHECK(chunk.kind == ChunkKind::content);
      CHECK(chunk.content_bytes == 1);
    }
    CHECK(decoder.decode(R"({"choices":[{"delta":{"content":"x"}})" + padding).malformed);
  }
}

TEST_CASE("ChunkKind names", "[openai][decoder]") {
  CHECK(to_string(ChunkKind::empty) == "empty");
  CHECK(to_string(ChunkKind::role_only) == "role_only");
  CHECK(to_string(ChunkKind::content) == "content");
  CHECK(to_string(ChunkKind::reasoning) == "reasoning");
  CHECK(to_string(ChunkKind::finish) == "finish");
  CHECK(to_string(ChunkKind::usage_only) == "usage_only");
  CHECK(to_string(ChunkKind::done) == "done");
  CHECK(to_string(ChunkKind::error) == "error");
}

}  // namespace
}  // namespace llmpace::openai
