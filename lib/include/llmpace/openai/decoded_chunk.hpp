// DecodedChunk: what one streamed chunk of an OpenAI-compatible response says, as ChunkDecoder
// (chunk_decoder.hpp) and its templates (chunk_template.hpp) decode it: its kind, the sizes of its
// texts, and what it reports besides (role, finish_reason, usage, an error).
//
// Plain values; no thread affinity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace llmpace::openai
