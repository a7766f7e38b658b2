// Chunk decoding: turns the `data:` payload of one SSE event from an OpenAI-compatible streaming
// response into a small classified summary. Texts are not kept (only their sizes): the record
// needs timing and counts, and copying every token would put allocation on the hot path.
//
// Sans-IO; uses simdjson on-demand. A decoder's parser and scratch buffers are its thread's,
// shared by the decoders on that thread and reused, so decoding does not allocate per chunk and an
// open stream's decoder costs no parser memory. What a decoder keeps is its templates
// (chunk_template_set.hpp): chunks the parser decoded that differ from the next ones only in their
// text and ids, so that those are decoded without parsing (the result is the same).
//
// Thread affinity: a decoder is used from one thread at a time; queue() and decode_queued() use
// the thread's one queue, so between a decoder's queue() calls and its decode_queued(), no other
// decoder on the thread may queue (StreamRecorder does both within one on_body()).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "llmpace/openai/api_kind.hpp"
#include "llmpace/openai/chunk_template_set.hpp"
#include "llmpace/openai/decoded_chunk.hpp"

namespace llmpace::openai {

/// A queued event's chunk, and its data (trimmed; empty for events decided without JSON: [DONE],
/// no data, an `error` event; and for events a template decoded, unless queued with
/// DataKept::yes).
struct QueuedChunk {
  DecodedChunk chunk;
  std::string_view data;
};

/// Decodes events. `event_name` is the SSE event type ("message" normally; "error" is treated as
/// an error whatever the data). Never throws: malformed JSON becomes kind == error with a message
/// saying so.
class ChunkDecoder {
 public:
  explicit ChunkDecoder(ApiKind api);

  /// Decodes one event.
  DecodedChunk decode(std::string_view data, std::string_view event_name = "message");

  /// Whether a queued event's data is kept for its QueuedChunk even when a template decodes it,
  /// which needs no copy of it otherwise.
  enum class DataKept : bool { no, yes };

  /// Queues one event to be decoded with the others of the same read (its data is copied, unless
  /// a template decodes it and `kept` is DataKept::no).
  void queue(std::string_view data, std::string_view event_name = "message",
             DataKept kept = DataKept::yes);

  /// The size of the JSON at the start of `bytes` (an event's data where it lies in the stream,
  /// its end not known yet) when a template recognises it (ChunkTemplateSet::recogniser()), else 0.
  /// Such JSON holds no line break. What it decodes to is held for take_recognised().
  std::size_t recognise(std::string_view bytes);

  /// The chunk of the event whose data is the JSON recognise() just measured, which the caller
  /// takes instead of queueing the event: exactly what decode() gives for it. Valid until the
  /// next recognise().
  const DecodedChunk& take_recognised();

  /// Decodes the events queued since the last call and returns them in the order queued, each
  /// chunk exactly what decode() gives for its event. A read's first 7 JSON events are decoded as
  /// they are queued (one copy, as decode()); when 8 or more follow, their JSON goes through one
  /// simdjson pass: stage 1 runs once over the lot instead of once per event. A broken event can
  /// run into the next one, so a result is kept only once the next document is seen to start where
  /// the next event does; from the first event in doubt on, the events are decoded one by one.
  /// Valid until the thread's next queue().
  std::span<const QueuedChunk> decode_queued();

  /// How many chunks this decoder's templates decoded (chunk_template.hpp) rather than the parser.
  [[nodiscard]] std::uint64_t template_matches() const { return template_matches_; }
  /// How many of those were recognised where they lay in the stream (recognise()).
  [[nodiscard]] std::uint64_t template_recognitions() const { return template_recognitions_; }

 private:
  /// Decodes the queued JSON in one pass; returns the first entry whose result it could not
  /// vouch for (the number of entries when it vouches for all).
  std::size_t decode_batch();
  /// Decodes the JSON at `json` (`allocated` bytes readable from there, simdjson's padding
  /// included) into `chunk`, in place; `data` is the event's data, for messages.
  void decode_padded(const char* json, std::size_t size, std::size_t allocated, bool error_event,
                     std::string_view data, DecodedChunk& chunk);

  ApiKind api_;
  ChunkTemplateSet templates_;  // chunks decoded alone, to match the next ones
  DecodedChunk recognised_;     // what recognise() found last
  std::uint64_t template_matches_ = 0;
  std::uint64_t template_recognitions_ = 0;
};

}  // namespace llmpace::openai
