// Decodes every event of each captured server stream and checks what a run would record.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "llmpace/openai/chunk_decoder.hpp"
#include "unit/sse/captured_stream.hpp"

namespace llmpace::openai {
namespace {

struct StreamSummary {
  std::map<ChunkKind, int> kinds;
  std::size_t content_bytes = 0;
  std::size_t reasoning_bytes = 0;
  std::optional<Usage> usage;
  std::optional<std::string> finish_reason;
  std::string error_message;

  [[nodiscard]] int count(ChunkKind kind) const {
    const auto found = kinds.find(kind);
    return found == kinds.end() ? 0 : found->second;
  }
};

StreamSummary decode_capture(std::string_view file, ApiKind api) {
  ChunkDecoder decoder(api);
  StreamSummary summary;
  for (const sse::SseEvent& event : test::parse_whole(test::read_captured_stream(file))) {
    const DecodedChunk chunk = decoder.decode(event.data, event.event);
    ++summary.kinds[chunk.kind];
    summary.content_bytes += chunk.content_bytes;
    summary.reasoning_bytes += chunk.reasoning_bytes;
    if (chunk.usage) summary.usage = chunk.usage;
    if (chunk.finish_reason) summary.finish_reason = chunk.finish_reason;
    if (chunk.kind == ChunkKind::error) summary.error_message = chunk.error_message;
  }
  return summary;
}

int total(const StreamSummary& summary) {
  int sum = 0;
  for (const auto& [kind, count] : summary.kinds) sum += count;
  return sum;
}

TEST_CASE("vLLM chat stream decodes chunk by chunk", "[openai][capture]") {
  for (const char* file : {"vllm_chat_stream.sse", "vllm_chat_stream_crlf.sse"}) {
    INFO(file);
    const StreamSummary summary = decode_capture(file, ApiKind::chat_completions);
    CHECK(summary.count(ChunkKind::role_only) == 1);
    CHECK(summary.count(ChunkKind::content) == 31);
    CHECK(summary.count(ChunkKind::finish) == 1);
    CHECK(summary.count(ChunkKind::usage_only) == 1);
    CHECK(summary.count(ChunkKind::done) == 1);
    CHECK(total(summary) == 35);
    CHECK(summary.content_bytes == 129);  // UTF-8 bytes, escapes decoded
    CHECK(summary.reasoning_bytes == 0);
    CHECK(summary.finish_reason == std::optional<std::string>("stop"));
    REQUIRE(summary.usage);
    CHECK(summary.usage->prompt_tokens == 42);
    CHECK(summary.usage->completion_tokens == 32);
  }
}

TEST_CASE("vLLM completions stream decodes chunk by chunk", "[openai][capture]") {
  const StreamSummary summary = decode_capture("vllm_completions_stream.sse", ApiKind::completions);
  // max_tokens 16 with ignore_eos: the 16th token arrives together with finish_reason "length".
  CHECK(summary.count(ChunkKind::content) == 16);
  CHECK(summary.count(ChunkKind::finish) == 0);
  CHECK(summary.count(ChunkKind::usage_only) == 1);
  CHECK(summary.count(ChunkKind::done) == 1);
  CHECK(total(summary) == 18);
  CHECK(summary.content_bytes == 72);
  CHECK(summary.finish_reason == std::optional<std::string>("length"));
  REQUIRE(summary.usage);
  CHECK(summary.usage->prompt_tokens == 8);
  CHECK(summary.usage->completion_tokens == 16);
}

TEST_CASE("llama.cpp chat stream decodes chunk by chunk", "[openai][capture]") {
  const StreamSummary summary =
      decode_capture("llamacpp_chat_stream.sse", ApiKind::chat_completions);
  CHECK(summary.count(ChunkKind::role_only) == 1);  // "content":null
  CHECK(summary.count(ChunkKind::content) == 12);
  CHECK(summary.count(ChunkKind::finish) == 1);  // carries usage and timings too
  CHECK(summary.count(ChunkKind::usage_only) == 0);
  CHECK(summary.count(ChunkKind::done) == 1);
  CHECK(total(summary) == 15);
  CHECK(summary.content_bytes == 46);
  CHECK(summary.finish_reason == std::optional<std::string>("length"));
  REQUIRE(summary.usage);
  CHECK(summary.usage->prompt_tokens == 18);
  CHECK(summary.usage->completion_tokens == 12);
}

TEST_CASE("vLLM reasoning streams decode chunk by chunk", "[openai][capture]") {
  SECTION("reasoning_content") {
    const StreamSummary summary =
        decode_capture("vllm_reasoning_stream.sse", ApiKind::chat_completions);
    CHECK(summary.count(ChunkKind::role_only) == 1);
    CHECK(summary.count(ChunkKind::reasoning) == 15);
    CHECK(summary.count(ChunkKind::content) == 8);
    CHECK(summary.count(ChunkKind::finish) == 1);
    CHECK(summary.count(ChunkKind::usage_only) == 1);
    CHECK(summary.count(ChunkKind::done) == 1);
    CHECK(summary.reasoning_bytes == 40);
    CHECK(summary.content_bytes == 15);
    REQUIRE(summary.usage);
    CHECK(summary.usage->completion_tokens == 25);
  }
  SECTION("reasoning") {
    const StreamSummary summary =
        decode_capture("vllm_reasoning_field_stream.sse", ApiKind::chat_completions);
    CHECK(summary.count(ChunkKind::role_only) == 1);
    CHECK(summary.count(ChunkKind::reasoning) == 4);
    CHECK(summary.count(ChunkKind::content) == 2);
    CHECK(summary.count(ChunkKind::finish) == 1);
    CHECK(summary.count(ChunkKind::usage_only) == 1);
    CHECK(summary.count(ChunkKind::done) == 1);
    CHECK(summary.reasoning_bytes == 13);
    CHECK(summary.content_bytes == 4);
  }
}

TEST_CASE("vLLM error stream decodes chunk by chunk", "[openai][capture]") {
  const StreamSummary summary = decode_capture("vllm_error_stream.sse", ApiKind::chat_completions);
  CHECK(summary.count(ChunkKind::role_only) == 1);
  CHECK(summary.count(ChunkKind::content) == 3);
  CHECK(summary.count(ChunkKind::error) == 1);
  CHECK(summary.count(ChunkKind::done) == 1);
  CHECK(summary.error_message ==
        "EngineCore encountered an issue. See stack trace (above) for the root cause.");
  CHECK_FALSE(summary.usage);
}

}  // namespace
}  // namespace llmpace::openai
