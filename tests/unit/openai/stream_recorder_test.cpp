// StreamRecorder on captured streams: timestamps come from the reads that completed each event,
// token counts from usage (or chunks), and the status from how the stream ended.
#include "llmpace/openai/stream_recorder.hpp"

#include <catch2/catch.hpp>

#include "unit/sse/captured_stream.hpp"

using namespace llmpace;
using namespace llmpace::openai;
using metrics::RequestRecord;
using metrics::RequestStatus;
using metrics::TokenCountSource;

namespace {

const TimePoint kBase{std::chrono::seconds(1000)};

/// Feeds `stream` in pieces of `piece_bytes` to a recorder with `decoder`, the i-th read at
/// kBase + i ms.
RequestRecord record_stream(ChunkDecoder& decoder, std::string_view stream,
                            std::size_t piece_bytes) {
  RequestRecord record;
  StreamRecorder recorder(decoder, record);
  std::size_t read = 0;
  for (std::size_t at = 0; at < stream.size(); at += piece_bytes, ++read) {
    recorder.on_body(stream.substr(at, piece_bytes), kBase + std::chrono::milliseconds(read));
  }
  recorder.finish(kBase + std::chrono::milliseconds(read));
  return record;
}

RequestRecord record_stream(std::string_view stream, std::size_t piece_bytes, ApiKind api) {
  ChunkDecoder decoder(api);
  return record_stream(decoder, stream, piece_bytes);
}

/// Byte offset just past the n-th (1-based) blank line: the end of the n-th event.
std::size_t end_of_event(std::string_view stream, int n) {
  std::size_t at = 0;
  for (int i = 0; i < n; ++i) at = stream.find("\n\n", at) + 2;
  return at;
}

}  // namespace

TEST_CASE("vLLM chat stream: token chunk times, usage and success") {
  const std::string stream = test::read_captured_stream("vllm_chat_stream.sse");
  const RequestRecord record = record_stream(stream, stream.size(), ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.error_kind == ErrorKind::none);
  CHECK(record.token_chunk_times.size() == 31);
  CHECK(record.first_token == kBase);
  CHECK(record.output_tokens == 32);
  CHECK(record.output_tokens_source == TokenCountSource::server_usage);
  CHECK(record.prompt_tokens == 42);
  CHECK(record.prompt_tokens_source == TokenCountSource::server_usage);
  CHECK(record.finish_reason == "stop");
  CHECK(record.done == kBase + std::chrono::milliseconds(1));
}

TEST_CASE("each event is stamped with the read that completed it, not the one that began it") {
  const std::string stream = test::read_captured_stream("vllm_chat_stream.sse");
  // Read 0 ends inside event 2 (the first content chunk); read 1 completes it.
  const std::size_t split = end_of_event(stream, 1) + 10;
  ChunkDecoder decoder(ApiKind::chat_completions);
  RequestRecord record;
  StreamRecorder recorder(decoder, record);
  recorder.on_body(std::string_view(stream).substr(0, split), kBase);
  CHECK(record.token_chunk_times.empty());  // the role-only chunk is not a token
  recorder.on_body(std::string_view(stream).substr(split), kBase + std::chrono::milliseconds(7));
  recorder.finish(kBase + std::chrono::milliseconds(8));
  REQUIRE_FALSE(record.token_chunk_times.empty());
  CHECK(record.first_token == kBase + std::chrono::milliseconds(7));
}

TEST_CASE("the result does not depend on how the bytes were split") {
  const std::string stream = test::read_captured_stream("llamacpp_chat_stream.sse");
  const RequestRecord whole = record_stream(stream, stream.size(), ApiKind::chat_completions);
  for (std::size_t piece : {1u, 7u, 100u, 1448u}) {
    const RequestRecord split = record_stream(stream, piece, ApiKind::chat_completions);
    CHECK(split.status == whole.status);
    CHECK(split.token_chunk_times.size() == whole.token_chunk_times.size());
    CHECK(split.output_tokens == whole.output_tokens);
    CHECK(split.finish_reason == whole.finish_reason);
  }
  CHECK(whole.status == RequestStatus::successful);
  CHECK(whole.output_tokens == 12);  // usage arrives on llama.cpp's finish chunk
  CHECK(whole.output_tokens_source == TokenCountSource::server_usage);
}

TEST_CASE("content chunks recognised where they lie make the record they make when parsed") {
  // Read whole, each run of content chunks but its first is recognised by the template of the
  // chunk before (ChunkDecoder::recognise()); read a byte at a time, none is.
  const std::string stream = test::read_captured_stream("vllm_chat_stream.sse");
  ChunkDecoder whole_decoder(ApiKind::chat_completions);
  ChunkDecoder bytes_decoder(ApiKind::chat_completions);
  for (int response = 0; response < 2; ++response) {
    const RequestRecord whole = record_stream(whole_decoder, stream, stream.size());
    const RequestRecord bytes = record_stream(bytes_decoder, stream, 1);
    CHECK(whole.status == RequestStatus::successful);
    CHECK(bytes.status == whole.status);
    CHECK(whole.token_chunk_times.size() == 31);
    CHECK(bytes.token_chunk_times.size() == whole.token_chunk_times.size());
    CHECK(bytes.output_tokens == whole.output_tokens);
    CHECK(bytes.prompt_tokens == whole.prompt_tokens);
    CHECK(bytes.finish_reason == whole.finish_reason);
  }
  CHECK(whole_decoder.template_recognitions() == 2 * 30);
  CHECK(bytes_decoder.template_recognitions() == 0);
  CHECK(bytes_decoder.template_matches() == whole_decoder.template_matches());
}

TEST_CASE("reasoning chunks are tokens: the first token is the first reasoning chunk") {
  // Event 1 is the role chunk, events 2..16 carry reasoning_content, 17..24 content, 25 the
  // finish_reason, 26 usage. Event i (1-based) is read at kBase + (i - 1) ms, so a recorder that
  // counted content only would put the first token at 16 ms, not 1 ms.
  const std::string stream = test::read_captured_stream("vllm_reasoning_stream.sse");
  ChunkDecoder decoder(ApiKind::chat_completions);
  RequestRecord record;
  StreamRecorder recorder(decoder, record);
  int read = 0;
  for (std::size_t at = 0; at < stream.size(); ++read) {
    const std::size_t next = stream.find("\n\n", at) + 2;
    recorder.on_body(std::string_view(stream).substr(at, next - at),
                     kBase + std::chrono::milliseconds(read));
    at = next;
  }
  REQUIRE(read == 27);
  recorder.finish(kBase + std::chrono::milliseconds(read));
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.first_token == kBase + std::chrono::milliseconds(1));
  REQUIRE(record.token_chunk_times.size() == 15 + 8);
  CHECK(record.token_chunk_times.front() == kBase + std::chrono::milliseconds(1));
  CHECK(record.token_chunk_times[14] == kBase + std::chrono::milliseconds(15));  // last reasoning
  CHECK(record.token_chunk_times[15] == kBase + std::chrono::milliseconds(16));  // first content
  CHECK(record.output_tokens == 25);  // usage, which counts the reasoning tokens as output
}

TEST_CASE("an error event mid-stream makes the request errored with the server's message") {
  const std::string stream = test::read_captured_stream("vllm_error_stream.sse");
  const RequestRecord record = record_stream(stream, 300, ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::stream_error);
  CHECK_FALSE(record.error_message.empty());
  CHECK(record.token_chunk_times.size() >= 1);  // tokens before the error are kept
}

TEST_CASE("invalid JSON mid-stream is a protocol error, and the tokens after it still count") {
  const std::string token = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
  const std::string stream =
      token + token + "data: {\"id\":\"malformed\",\"choices\":[{\n\n" + token + "data: [DONE]\n\n";
  const RequestRecord record = record_stream(stream, 11, ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::protocol);
  CHECK_THAT(record.error_message, Catch::Contains("malformed JSON"));
  CHECK(record.token_chunk_times.size() == 3);
}

TEST_CASE("without usage, output tokens are counted from chunks") {
  const std::string stream =
      "data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"text\":\" b\",\"finish_reason\":\"length\"}]}\n\n"
      "data: [DONE]\n\n";
  const RequestRecord record = record_stream(stream, 5, ApiKind::completions);
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.output_tokens == 2);
  CHECK(record.output_tokens_source == TokenCountSource::chunk_count);
  CHECK(record.prompt_tokens_source == TokenCountSource::none);  // left to the caller
  CHECK(record.finish_reason == "length");
}

TEST_CASE("a stream cut inside an event is a protocol error") {
  const std::string stream = test::read_captured_stream("vllm_chat_stream.sse");
  const std::string cut = stream.substr(0, end_of_event(stream, 3) + 20);
  const RequestRecord record = record_stream(cut, cut.size(), ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::protocol);
  CHECK(record.token_chunk_times.size() == 2);
  CHECK(record.output_tokens == 2);
  CHECK(record.output_tokens_source == TokenCountSource::chunk_count);
}

TEST_CASE("a body with no events at all is a protocol error") {
  const RequestRecord record = record_stream("{\"not\":\"sse\"}", 100, ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::errored);
  CHECK(record.error_kind == ErrorKind::protocol);
}

TEST_CASE("events after [DONE] are ignored") {
  const std::string stream =
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"
      "data: [DONE]\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n";
  const RequestRecord record = record_stream(stream, stream.size(), ApiKind::chat_completions);
  CHECK(record.status == RequestStatus::successful);
  CHECK(record.token_chunk_times.size() == 1);
}

namespace {

/// The text a recorder with a reply buffer keeps from captured stream `name`, and its record.
std::pair<std::string, RequestRecord> reply_of(const std::string& name, ApiKind api) {
  const std::string stream = test::read_captured_stream(name);
  ChunkDecoder decoder(api);
  RequestRecord record;
  std::string reply;
  StreamRecorder recorder(decoder, record, &reply);
  recorder.on_body(stream, kBase);
  recorder.finish(kBase);
  return {reply, record};
}

}  // namespace

TEST_CASE("with a reply buffer the generated text is kept for the next turn") {
  const auto [chat, record] = reply_of("vllm_chat_stream.sse", ApiKind::chat_completions);
  CHECK(chat.rfind("Sure! Server-Sent", 0) == 0);
  CHECK(record.token_chunk_times.size() == 31);  // the same record as without the buffer
  const auto [text, text_record] = reply_of("vllm_completions_stream.sse", ApiKind::completions);
  CHECK(text.rfind(" the capital of", 0) == 0);
  CHECK(text_record.status == RequestStatus::successful);
}
