// Chunk decoding: turns the `data:` payload of one SSE event from an OpenAI-compatible streaming
// response into a small classified summary. Texts are not kept (only their sizes): the record
// needs timing and counts, and copying every token would put allocation on the hot path.
//
// Sans-IO; uses simdjson on-demand. A decoder keeps no stream state, only reusable scratch buffers
// (so decoding does not allocate per chunk): one decoder per thread, reused across streams.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/openai/api_kind.hpp"

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

/// Decodes one event. `event_name` is the SSE event type ("message" normally; "error" is treated
/// as an error whatever the data). Never throws: malformed JSON becomes kind == error with a
/// message saying so.
class ChunkDecoder {
 public:
  explicit ChunkDecoder(ApiKind api);
  ~ChunkDecoder();
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;
  ChunkDecoder(ChunkDecoder&&) noexcept;
  ChunkDecoder& operator=(ChunkDecoder&&) noexcept;

  DecodedChunk decode(std::string_view data, std::string_view event_name = "message");

 private:
  struct Impl;  // holds the reusable simdjson parser and padded buffer
  ApiKind api_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmpace::openai
