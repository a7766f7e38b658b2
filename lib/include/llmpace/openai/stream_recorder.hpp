// StreamRecorder: the hot path from response body bytes to a RequestRecord.
//
//   body bytes + read time ──► SseParser ──► ChunkDecoder ──► RequestRecord
//
// Every event gets the read time of the bytes that completed it, so the timestamps are those of
// the socket reads, never of the parsing; the events one read completes are decoded together
// (ChunkDecoder::decode_queued), one simdjson pass for all of them, but for those a template
// recognises where they lie (a response's next content chunk: ChunkDecoder::recognise()), which
// are recorded at once, after the events queued before them. Token-carrying chunks (content
// or reasoning text) append their time to record.token_chunk_times; the first also sets
// record.first_token. Usage, when the server sends it, gives the token counts (source
// server_usage); otherwise finish() counts the token-carrying chunks (source chunk_count) and
// leaves the prompt count to the caller. A usage count that is missing, negative, fractional or
// fewer than the text chunks is not used, and record.usage_problem says why. With a reply buffer
// (multi-turn sessions), the generated text is also kept, parsed again off the hot path's fast
// decoder; without one nothing is copied.
//
// Lifetime: one per request; holds a reference to the record, which must outlive it.
// Thread affinity: the thread running the request. Sans-IO.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "llmpace/metrics/request_record.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/sse/sse_parser.hpp"

namespace llmpace::openai {

class StreamRecorder {
 public:
  /// `reply`, when not null, receives the content text of every chunk (it must outlive this).
  StreamRecorder(ChunkDecoder& decoder, metrics::RequestRecord& record,
                 std::string* reply = nullptr);

  /// Feeds body bytes that were read at `read_time`.
  void on_body(std::string_view bytes, TimePoint read_time);

  /// The body ended cleanly at `end_time`: sets done, token counts and the final status
  /// (successful, or errored when the stream carried an error event or no [DONE] / no events).
  void finish(TimePoint end_time);

  [[nodiscard]] bool saw_done() const { return saw_done_; }
  [[nodiscard]] bool saw_error() const { return saw_error_; }
  [[nodiscard]] std::int64_t token_chunks() const { return token_chunks_; }
  /// SSE events seen so far.
  [[nodiscard]] std::size_t events() const { return parser_.events_dispatched(); }

 private:
  void on_events();  // takes the chunks of the events queued since the last call
  void on_chunk(const DecodedChunk& chunk, std::string_view data);
  void on_usage(const Usage& usage);

  ChunkDecoder& decoder_;
  metrics::RequestRecord& record_;
  std::string* reply_;
  sse::SseParser parser_;
  TimePoint current_read_time_;
  std::int64_t token_chunks_ = 0;
  bool queued_ = false;  // events wait in the decoder's queue for on_events()
  bool saw_usage_ = false;
  bool saw_done_ = false;
  bool saw_error_ = false;
  bool at_end_of_body_ = false;  // finish() is reading an event the body ended inside of
};

}  // namespace llmpace::openai
