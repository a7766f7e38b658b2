// ChunkTemplate (openai/chunk_template.hpp): a chunk that differs from a decoded one only in its
// text decodes without the parser, to exactly what the parser gives.
#include "llmpace/openai/chunk_template.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "llmpace/openai/chunk_decoder.hpp"
#include "unit/openai/same_chunk.hpp"
#include "unit/sse/captured_stream.hpp"

namespace llmpace::openai {
namespace {

using test::same;

using TextField = ChunkTemplate::TextField;

/// A vLLM chat chunk around the JSON string body `text`.
std::string vllm_chunk(std::string_view text, std::string_view id = "chatcmpl-7",
                       std::string_view finish = "null") {
  return R"({"id":")" + std::string(id) +
         R"(","object":"chat.completion.chunk","created":1733,"model":"m","choices":[{"index":0,)"
         R"("delta":{"content":")" +
         std::string(text) + R"("},"logprobs":null,"finish_reason":)" + std::string(finish) + "}]}";
}

/// Where the text's opening quote is in a chunk with one "content".
std::size_t content_quote(std::string_view json) {
  return json.find(R"("content":")") + std::string_view(R"("content":)").size();
}

/// Short string bodies built from the bytes that matter to a JSON string: quotes, backslashes and
/// what may follow one, control characters, UTF-8 lead and continuation bytes, plain ASCII.
std::string random_body(std::mt19937_64& random) {
  static const std::vector<std::string> pieces = {"a",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "\\\"",
                                                  "\\\\",
                                                  "\\/",
                                                  "\\b",
                                                  "\\f",
                                                  "\\n",
                                                  "\\r",
                                                  "\\t",
                                                  "\\u",
                                                  "\\x",
                                                  "\\u00e9",
                                                  "\\ud83d\\ude00",
                                                  "\\ud83d",
                                                  "0",
                                                  "u",
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  "\n",
                                                  std::string(1, '\0'),
                                                  "\xc3\xa9",
                                                  "\xc3",
                                                  "\xa9",
                                                  "\xe2\x82\xac",
                                                  "\xf0\x9f\x98\x80",
                                                  "\xf0\x9f\x98",
                                                  "\xc0\xaf",
                                                  "\xed\xa0\x80",
                                                  "\xff",
                                                  "\xf4\x90\x80\x80"};
  std::string body;
  const std::size_t count = random() % 6;
  for (std::size_t i = 0; i < count; ++i) body += pieces[random() % pieces.size()];
  return body;
}

TEST_CASE("json_string_text_size: the unescaped size of a valid string body",
          "[openai][template]") {
  CHECK(json_string_text_size("") == 0u);
  CHECK(json_string_text_size("Hello") == 5u);
  CHECK(json_string_text_size(R"(\"\\\/\b\f\n\r\t)") == 8u);  // every two-byte escape is one
  CHECK(json_string_text_size("\x7f") == 1u);
  CHECK(json_string_text_size("caf\xc3\xa9") == 5u);  // UTF-8 bytes, as the parser counts
  CHECK(json_string_text_size("\xf0\x9f\x98\x80") == 4u);
}

TEST_CASE("json_string_text_size: anything but a whole valid body is refused",
          "[openai][template]") {
  CHECK_FALSE(json_string_text_size(R"(a"b)"));     // would end the string
  CHECK_FALSE(json_string_text_size("ab\\"));       // would escape the closing quote
  CHECK_FALSE(json_string_text_size(R"(\x)"));      // not an escape
  CHECK_FALSE(json_string_text_size(R"(\u00e9)"));  // left to the parser
  for (int byte = 0; byte < 0x20; ++byte) {
    INFO("byte " << byte);
    CHECK_FALSE(json_string_text_size(std::string("a") + static_cast<char>(byte) + "b"));
  }
  CHECK_FALSE(json_string_text_size("\xff"));
  CHECK_FALSE(json_string_text_size("\xc3"));              // cut short
  CHECK_FALSE(json_string_text_size("\xc0\xaf"));          // overlong
  CHECK_FALSE(json_string_text_size("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(json_string_text_size("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST_CASE("json_string_text_size agrees with the parser wherever it answers",
          "[openai][template]") {
  std::mt19937_64 random(20261206);
  int answered = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string body = random_body(random);
    const std::optional<std::size_t> size = json_string_text_size(body);
    ChunkDecoder decoder(ApiKind::chat_completions);
    const DecodedChunk parsed =
        decoder.decode(R"({"choices":[{"delta":{"content":")" + body + R"("}}]})");
    INFO("body '" << body << "', parsed " << to_string(parsed.kind) << " " << parsed.content_bytes);
    if (size) {
      ++answered;
      CHECK(parsed.kind != ChunkKind::error);
      CHECK(parsed.content_bytes == *size);
    } else if (body.find("\\u") == std::string::npos) {
      CHECK(parsed.kind == ChunkKind::error);  // refused only what the parser refuses, or \u
    }
  }
  CHECK(answered > 2000);  // the random bodies are not all refused
}

TEST_CASE("ChunkTemplate: a chunk with another text matches", "[openai][template]") {
  ChunkTemplate chunk_template;
  const std::string first = vllm_chunk("Hello");
  CHECK_FALSE(chunk_template.match(first));  // nothing learned yet
  chunk_template.learn(first, content_quote(first), TextField::content, 5, false);

  const auto match = chunk_template.match(vllm_chunk(R"( wor\"ld\n)"));
  REQUIRE(match);
  CHECK(match->field == TextField::content);
  CHECK(match->text_bytes == 8);
  CHECK_FALSE(match->has_role);
  CHECK(chunk_template.match(first).value().text_bytes == 5);
  CHECK(chunk_template.match(vllm_chunk(std::string(5000, 'x'))).value().text_bytes == 5000);

  SECTION("other bytes around the text do not") {
    CHECK_FALSE(chunk_template.match(vllm_chunk("x", "chatcmpl-8")));
    CHECK_FALSE(chunk_template.match(vllm_chunk("x", "chatcmpl-7", R"("stop")")));
    CHECK_FALSE(chunk_template.match(vllm_chunk("x") + " "));
    CHECK_FALSE(chunk_template.match(vllm_chunk("x").substr(1)));
  }
  SECTION("nor do texts the parser must read") {
    CHECK_FALSE(chunk_template.match(vllm_chunk("")));
    CHECK_FALSE(chunk_template.match(vllm_chunk(R"(\u00e9)")));
    CHECK_FALSE(chunk_template.match(vllm_chunk(R"(a"b)")));  // the text would end early
    CHECK_FALSE(chunk_template.match(vllm_chunk("a\\")));     // it would not end
    CHECK_FALSE(chunk_template.match(vllm_chunk("a\nb")));
    CHECK_FALSE(chunk_template.match(vllm_chunk("\xff")));
  }
  SECTION("an offer that cannot be a template keeps the one learned") {
    const std::string other = vllm_chunk("Hi", "chatcmpl-8");
    chunk_template.learn(other, content_quote(other), TextField::content, 3, false);  // not 2
    chunk_template.learn(other, content_quote(other) + 1, TextField::content, 2, false);
    chunk_template.learn(other, content_quote(other), TextField::content, 0, false);
    const std::string escaped = vllm_chunk(R"(\u00e9)", "chatcmpl-8");
    chunk_template.learn(escaped, content_quote(escaped), TextField::content, 2, false);
    const std::string long_id = vllm_chunk("Hi", std::string(ChunkTemplate::kMaxFrameBytes, 'i'));
    chunk_template.learn(long_id, content_quote(long_id), TextField::content, 2, false);
    CHECK_FALSE(chunk_template.match(vllm_chunk("x", "chatcmpl-8")));
    CHECK_FALSE(chunk_template.match(vllm_chunk("x", std::string(1024, 'i'))));
    CHECK(chunk_template.match(vllm_chunk("x")));

    chunk_template.learn(other, content_quote(other), TextField::content, 2, false);
    CHECK(chunk_template.match(vllm_chunk("x", "chatcmpl-8")));
    CHECK_FALSE(chunk_template.match(vllm_chunk("x")));  // a template replaces the last
  }
}

TEST_CASE("ChunkTemplate: what a match decodes to is the template's", "[openai][template]") {
  ChunkTemplate chunk_template;
  const std::string reasoning =
      R"({"choices":[{"delta":{"role":"assistant","reasoning_content":"Hmm"}}]})";
  chunk_template.learn(reasoning, reasoning.find(R"("Hmm")"), TextField::reasoning, 3, true);
  const auto match = chunk_template.match(
      R"({"choices":[{"delta":{"role":"assistant","reasoning_content":"so"}}]})");
  REQUIRE(match);
  CHECK(match->field == TextField::reasoning);
  CHECK(match->text_bytes == 2);
  CHECK(match->has_role);
}

/// Decodes `chunks` in order with one decoder, each alone and as one read's events, and checks
/// every result against a fresh decoder's; returns how many the template decoded.
std::uint64_t check_against_fresh(ApiKind api, const std::vector<std::string>& chunks) {
  ChunkDecoder one_by_one(api);
  ChunkDecoder queued(api);
  for (const std::string& chunk : chunks) queued.queue(chunk);
  const auto results = queued.decode_queued();
  REQUIRE(results.size() == chunks.size());
  std::vector<DecodedChunk> together;
  for (const QueuedChunk& result : results) together.push_back(result.chunk);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    INFO("chunk " << i << ": " << chunks[i]);
    ChunkDecoder fresh(api);
    const DecodedChunk expected = fresh.decode(chunks[i]);
    CHECK(fresh.template_matches() == 0);
    CHECK(same(one_by_one.decode(chunks[i]), expected));
    CHECK(same(together[i], expected));
  }
  CHECK(queued.template_matches() == one_by_one.template_matches());
  return one_by_one.template_matches();
}

TEST_CASE("ChunkDecoder: a template decodes a captured stream's chunks as the parser does",
          "[openai][template]") {
  const struct {
    const char* file;
    ApiKind api;
    std::uint64_t matches;  // of each run of content or reasoning chunks, all but the first
  } captures[] = {
      {"vllm_chat_stream.sse", ApiKind::chat_completions, 30},
      {"vllm_completions_stream.sse", ApiKind::completions, 14},  // the last has finish_reason
      {"llamacpp_chat_stream.sse", ApiKind::chat_completions, 11},
      {"vllm_reasoning_stream.sse", ApiKind::chat_completions, 14 + 7},
      {"vllm_reasoning_field_stream.sse", ApiKind::chat_completions, 3 + 1},
  };
  for (const auto& capture : captures) {
    INFO(capture.file);
    std::vector<std::string> chunks;
    for (const sse::SseEvent& event : test::parse_whole(test::read_captured_stream(capture.file))) {
      chunks.push_back(event.data);
    }
    CHECK(check_against_fresh(capture.api, chunks) == capture.matches);
  }
}

TEST_CASE("ChunkDecoder: a template decodes any chunk as the parser does", "[openai][template]") {
  std::mt19937_64 random(1206);
  const std::vector<std::string> frames[] = {
      {R"({"id":"c","choices":[{"index":0,"delta":{"content":")", R"("},"finish_reason":null}]})"},
      {R"({"choices":[{"delta":{"reasoning":")", R"("}}]})"},
      {R"({"choices":[{"delta":{"role":"assistant","content":")", R"("}}],"x":1})"},
      {R"({"choices":[{"delta":{"content":")", R"("},"finish_reason":"stop"}]})"},
      {R"({"choices":[{"delta":{"content":")", R"("}}],"usage":{"prompt_tokens":1}})"},
      {R"({"choices":[{"delta":{"content":"a","content":")", R"("}}]})"},
      {R"({"choices":[{"text":")", R"("}]} trailing)"},
      {R"({"error":{"message":")", R"("}})"},
  };
  for (const ApiKind api : {ApiKind::chat_completions, ApiKind::completions}) {
    for (int round = 0; round < 300; ++round) {
      std::vector<std::string> chunks;
      for (int i = 0; i < 12; ++i) {
        const std::vector<std::string>& frame = frames[random() % std::size(frames)];
        std::string chunk = frame[0] + random_body(random) + frame[1];
        if (random() % 8 == 0) chunk.resize(random() % chunk.size());
        chunks.push_back(std::move(chunk));
      }
      check_against_fresh(api, chunks);
    }
  }
}

}  // namespace
}  // namespace llmpace::openai
