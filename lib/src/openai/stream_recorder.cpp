#include "llmpace/openai/stream_recorder.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace llmpace::openai {

using metrics::RequestStatus;
using metrics::TokenCountSource;

namespace {

// Appends the content of chunk `data` (chat delta.content or completions text) to `reply`.
void append_content(std::string_view data, std::string& reply) {
  const auto chunk = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!chunk.is_object()) return;
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
  const auto& choice = choices->front();
  if (!choice.is_object()) return;
  const nlohmann::json* text = nullptr;
  if (const auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
    if (const auto content = delta->find("content"); content != delta->end()) text = &*content;
  } else if (const auto field = choice.find("text"); field != choice.end()) {
    text = &*field;
  }
  if (text != nullptr && text->is_string()) reply += text->get_ref<const std::string&>();
}

}  // namespace

StreamRecorder::StreamRecorder(ChunkDecoder& decoder, metrics::RequestRecord& record,
                               std::string* reply)
    : decoder_(decoder),
      record_(record),
      reply_(reply),
      parser_(
          [this](const sse::SseEventView& event) {
            if (event.recognised) {
              // Recorded at once, after the events queued before it: no queue entry, no copy.
              if (queued_) on_events();
              on_chunk(decoder_.take_recognised(), event.data);
              return;
            }
            // An event's data is read only for the reply (append_content).
            decoder_.queue(
                event.data, event.event,
                reply_ != nullptr ? ChunkDecoder::DataKept::yes : ChunkDecoder::DataKept::no);
            queued_ = true;
          },
          // A response's next content chunk is recognised where it lies, its end found by the
          // template rather than by a search for the line's end.
          [this](std::string_view bytes) { return decoder_.recognise(bytes); }) {}

void StreamRecorder::on_body(std::string_view bytes, TimePoint read_time) {
  current_read_time_ = read_time;
  parser_.feed(bytes);
  if (queued_) on_events();
}

void StreamRecorder::on_events() {
  // The events one read completed are decoded together (ChunkDecoder::decode_queued).
  queued_ = false;
  for (const QueuedChunk& queued : decoder_.decode_queued()) on_chunk(queued.chunk, queued.data);
}

void StreamRecorder::on_chunk(const DecodedChunk& chunk, std::string_view data) {
  if (saw_done_) return;  // nothing after [DONE] belongs to the response
  if (chunk.kind == ChunkKind::error) {
    if (!saw_error_) {
      saw_error_ = true;
      // Invalid JSON is the server breaking the protocol, not an error it chose to report.
      record_.error_kind = chunk.malformed ? ErrorKind::protocol : ErrorKind::stream_error;
      record_.error_message = chunk.malformed && at_end_of_body_
                                  ? "the stream ended inside an event: " + chunk.error_message
                                  : chunk.error_message;
    }
    return;
  }
  if (chunk.kind == ChunkKind::done) {
    saw_done_ = true;
    return;
  }
  if (chunk.carries_tokens()) {
    if (reply_ != nullptr && chunk.content_bytes > 0) append_content(data, *reply_);
    if (token_chunks_ == 0) record_.first_token = current_read_time_;
    record_.token_chunk_times.push_back(current_read_time_);
    ++token_chunks_;
  }
  if (chunk.finish_reason) record_.finish_reason = *chunk.finish_reason;
  if (chunk.usage) on_usage(*chunk.usage);
}

void StreamRecorder::on_usage(const Usage& usage) {
  // The last usage object speaks for the request (with continuous usage, every chunk has one).
  record_.usage_problem = usage.problem;
  if (usage.prompt_tokens) {
    record_.prompt_tokens = *usage.prompt_tokens;
    record_.prompt_tokens_source = TokenCountSource::server_usage;
  }
  saw_usage_ = usage.completion_tokens.has_value();
  if (saw_usage_) {
    record_.output_tokens = *usage.completion_tokens;
    record_.output_tokens_source = TokenCountSource::server_usage;
  }
}

void StreamRecorder::finish(TimePoint end_time) {
  // An event the body ended inside of is read as if its blank line had come (docs/metrics.md):
  // a server that closes right after `data: [DONE]` has said everything; one that stopped in the
  // middle of a chunk leaves JSON that does not parse, which is a protocol error.
  at_end_of_body_ = true;
  parser_.finish(sse::AtEnd::dispatch);
  if (queued_) on_events();
  record_.done = end_time;
  if (saw_usage_ && record_.output_tokens < token_chunks_) {
    // Every chunk that carries text carries at least one token: fewer is impossible.
    record_.usage_problem =
        fmt::format("completion_tokens ({}) is fewer than the {} chunks that carried text",
                    record_.output_tokens, token_chunks_);
    saw_usage_ = false;
  }
  if (!saw_usage_) {
    record_.output_tokens = token_chunks_;
    record_.output_tokens_source = TokenCountSource::chunk_count;
  }
  if (saw_error_) {
    record_.status = RequestStatus::errored;
  } else if (parser_.events_dispatched() == 0) {
    record_.status = RequestStatus::errored;
    record_.error_kind = ErrorKind::protocol;
    record_.error_message = "the response carried no server-sent events";
  } else {
    // [DONE] is what OpenAI and vLLM send, but some servers just end the body: both count.
    record_.status = RequestStatus::successful;
  }
}

}  // namespace llmpace::openai
