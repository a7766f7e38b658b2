// StreamRecorder on streams whose usage or ending is wrong in ways real servers and proxies get
// wrong: the counts reported must never be negative or impossible, and a stream that delivered
// everything must not become an error for a missing blank line.
#include <catch2/catch.hpp>
#include <string>

#include "llmpace/openai/stream_recorder.hpp"

using namespace llmpace;
using namespace llmpace::openai;
using metrics::RequestRecord;
using metrics::RequestStatus;
using metrics::TokenCountSource;

namespace {

const TimePoint kBase{std::chrono::seconds(1000)};

/// A chat stream of `tokens` one-token content chunks, then a usage chunk with `usage_fields`
/// (a JSON object's inside), then `ending` (normally "data: [DONE]\n\n").
std::string chat_stream(int tokens, const std::string& usage_fields,
                        const std::string& ending = "data: [DONE]\n\n") {
  std::string stream = R"(data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]})"
                       "\n\n";
  for (int i = 0; i < tokens; ++i) {
    stream += R"(data: {"choices":[{"index":0,"delta":{"content":"t"}}]})"
              "\n\n";
  }
  stream += R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})"
            "\n\n";
  if (!usage_fields.empty()) stream += R"(data: {"choices":[],"usage":{)" + usage_fields + "}}\n\n";
  return stream + ending;
}

RequestRecord record_of(const std::string& stream) {
  ChunkDecoder decoder(ApiKind::chat_completions);
  RequestRecord record;
  StreamRecorder recorder(decoder, record);
  recorder.on_body(stream, kBase);
  recorder.finish(kBase + std::chrono::milliseconds(5));
  return record;
}

}  // namespace

TEST_CASE("usage without completion_tokens: output counted from the chunks, and said") {
  const RequestRecord record = record_of(chat_stream(8, R"("prompt_tokens":16,"total_tokens":24)"));
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.output_tokens == 8);
  CHECK(record.output_tokens_source == TokenCountSource::chunk_count);
  CHECK(record.prompt_tokens == 16);
  CHECK(record.prompt_tokens_source == TokenCountSource::server_usage);
  CHECK(record.usage_problem == "no completion_tokens");
}

TEST_CASE("a negative completion_tokens is never reported") {
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":16,"completion_tokens":-5)"));
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.output_tokens == 8);
  CHECK(record.output_tokens_source == TokenCountSource::chunk_count);
  CHECK(record.usage_problem == "completion_tokens is negative (-5)");
}

TEST_CASE("a negative prompt_tokens is not used either") {
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":-1,"completion_tokens":8)"));
  CHECK(record.output_tokens == 8);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
  CHECK(record.prompt_tokens_source == TokenCountSource::none);
  CHECK(record.prompt_tokens == 0);
  CHECK(record.usage_problem == "prompt_tokens is negative (-1)");
}

TEST_CASE("counts written 8.0 are 8: the request stays successful") {
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":16.0,"completion_tokens":8.0)"));
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.error_kind == ErrorKind::none);
  CHECK(record.output_tokens == 8);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
  CHECK(record.prompt_tokens == 16);
  CHECK(record.usage_problem.empty());
}

TEST_CASE("fewer completion_tokens than chunks that carried text is impossible: chunks count") {
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":16,"completion_tokens":3)"));
  CHECK(record.output_tokens == 8);
  CHECK(record.output_tokens_source == TokenCountSource::chunk_count);
  CHECK(record.usage_problem ==
        "completion_tokens (3) is fewer than the 8 chunks that carried text");
}

TEST_CASE("more completion_tokens than chunks is normal (several tokens per chunk)") {
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":16,"completion_tokens":12)"));
  CHECK(record.output_tokens == 12);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
  CHECK(record.usage_problem.empty());
}

TEST_CASE("[DONE] without the blank line before the close: the stream is complete") {
  const std::string ending = GENERATE(as<std::string>{}, "data: [DONE]\n", "data: [DONE]",
                                      "data: [DONE]\r\n", "data: [DONE]\r");
  const RequestRecord record =
      record_of(chat_stream(8, R"("prompt_tokens":16,"completion_tokens":8)", ending));
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.error_kind == ErrorKind::none);
  CHECK(record.output_tokens == 8);
}

TEST_CASE("a last usage chunk without its blank line still counts") {
  const RequestRecord record =
      record_of(chat_stream(8, "", "") + R"(data: {"choices":[],"usage":{"prompt_tokens":16,)"
                                         R"("completion_tokens":9}})"
                                         "\n");
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.output_tokens == 9);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
}

TEST_CASE("a stream cut inside a chunk's JSON is a protocol error that says so") {
  const RequestRecord record =
      record_of(chat_stream(8, "", "") + R"(data: {"choices":[],"usage":{"prompt_tok)");
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::protocol);
  CHECK_THAT(record.error_message, Catch::StartsWith("the stream ended inside an event"));
  CHECK(record.output_tokens == 8);  // what arrived is still counted
}
