// Chunk decoding: turns the `data:` payload of one SSE event from an OpenAI-compatible streaming
// response into a small classified summary. Texts are not kept (only their sizes): the record
// needs timing and counts, and copying every token would put allocation on the hot path.
//
// Sans-IO; uses simdjson on-demand. A decoder's parser and scratch buffers are its thread's,
// shared by the decoders on that thread and reused, so decoding does not allocate per chunk and an
// open stream's decoder costs no parser memory. What a decoder keeps is its template
// (chunk_template.hpp): the last chunk the parser decoded that differs from the next ones only in
// its text, so that those are decoded without parsing (at most 1 KiB; the result is the same).
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
#include "llmpace/openai/chunk_template.hpp"

namespace llmpace::openai {

/// The primary meaning of a chunk, in priority order: error > done > content > reasoning >
/// finish > usage_only > role_only > empty.
enum class ChunkKind : std::uint8_t {
  empty,       // valid JSON with nothing of the below (e.g. a choice with an empty delta)
  role_only,   // delta carries only `role` (vLLM's first chat chunk), no text
  content,     // delta.content (chat) or text (completions) is a non-empty string
  reasoning,   // delta.reasoning_content or delta.reasoning is non-empty, and no content
  finish,      // a choice has a non-null finish_reason and no text
  usage_only,  // no choices (or empty array) and a `usage` object
  done,        // the literal `[DONE]` sentinel
  error,       // an `error` object (or an `error` event), or JSON that does not parse
};

std::string_view to_string(ChunkKind kind);

/// A `usage` object. A count is kept only when it is a whole number >= 0 in any JSON spelling
/// (8, 8.0, 8e0); otherwise it is absent and `problem` says why.
struct Usage {
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  /// What was wrong with the object ("completion_tokens is negative (-5)", "no completion_tokens");
  /// empty when nothing was.
  std::string problem;
};

struct DecodedChunk {
  ChunkKind kind = ChunkKind::empty;
  std::size_t content_bytes = 0;    // size of the content/text string(s) in this chunk
  std::size_t reasoning_bytes = 0;  // size of reasoning_content / reasoning
  bool has_role = false;
  std::optional<std::string> finish_reason;  // set when a choice carries a non-null one
  std::optional<Usage> usage;                // set when the chunk carries a usage object
  std::string error_message;                 // set when kind == error
  /// With kind == error: the data was not a JSON chunk at all (a protocol fault of the server),
  /// rather than an error the server reported on purpose.
  bool malformed = false;

  /// True when the chunk carried generated text (content or reasoning): a token-carrying chunk.
  [[nodiscard]] bool carries_tokens() const { return content_bytes > 0 || reasoning_bytes > 0; }
};

/// A queued event's chunk, and its data (trimmed; empty for events decided without JSON: [DONE],
/// no data, an `error` event).
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

  /// Queues one event (its data is copied) to be decoded with the others of the same read.
  void queue(std::string_view data, std::string_view event_name = "message");

  /// Decodes the events queued since the last call and returns them in the order queued, each
  /// chunk exactly what decode() gives for its event. A read's first 7 JSON events are decoded as
  /// they are queued (one copy, as decode()); when 8 or more follow, their JSON goes through one
  /// simdjson pass: stage 1 runs once over the lot instead of once per event. A broken event can
  /// run into the next one, so a result is kept only once the next document is seen to start where
  /// the next event does; from the first event in doubt on, the events are decoded one by one.
  /// Valid until the thread's next queue().
  std::span<const QueuedChunk> decode_queued();

  /// How many chunks this decoder's template decoded (chunk_template.hpp) rather than the parser.
  [[nodiscard]] std::uint64_t template_matches() const { return template_matches_; }

 private:
  /// Decodes the queued JSON in one pass; returns the first entry whose result it could not
  /// vouch for (the number of entries when it vouches for all).
  std::size_t decode_batch();
  /// Decodes the JSON at `json` (`allocated` bytes readable from there, simdjson's padding
  /// included) into `chunk`, in place; `data` is the event's data, for messages.
  void decode_padded(const char* json, std::size_t size, std::size_t allocated, bool error_event,
                     std::string_view data, DecodedChunk& chunk);

  ApiKind api_;
  ChunkTemplate template_;  // the last chunk of its kind decoded alone, to match the next ones
  std::uint64_t template_matches_ = 0;
};

}  // namespace llmpace::openai
