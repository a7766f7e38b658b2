// ChunkTemplate: recognises a streamed chunk as the last one the JSON parser decoded with another
// text, and decodes it without parsing it again.
//
// A server streams chunks that differ only in their text. vLLM's are
//   {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1733,"model":"m","choices":
//    [{"index":0,"delta":{"content":"TEXT"},"logprobs":null,"finish_reason":null}]}
// with the same id, created and model from the first chunk to the last. When the bytes of a chunk
// before its text and after it are those of a chunk the parser decoded (the template), and the
// text between them is a valid JSON string body, then the chunk is valid JSON whose every value
// but that string is the template's: it decodes to the template's chunk with the new text's size.
// Anything else — other bytes around the text, an empty text, a \u escape, a byte the JSON
// grammar or UTF-8 forbids — is no match, and the parser decides.
//
// The decoder offers as templates only chunks with exactly one sized string (content,
// completions text or reasoning) whose result holds nothing but that size and whether a role came
// (no finish_reason, usage or error); a template is kept only if this class sizes its text as the
// parser did.
//
// Sans-IO. Keeps a copy of the template's bytes without its text (at most kMaxFrameBytes).
// Thread affinity: none; one owner (a ChunkDecoder) uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmpace::openai {

/// The size of a JSON string's text once unescaped, given the bytes between its quotes; nullopt
/// when they are not a complete, valid string body (an unescaped quote, a lone backslash at the
/// end, a control character, invalid UTF-8) or hold a \u escape, which is left to the parser.
std::optional<std::size_t> json_string_text_size(std::string_view body);

class ChunkTemplate {
 public:
  /// Bytes kept of a template: chunks whose JSON around the text is longer are not kept.
  static constexpr std::size_t kMaxFrameBytes = 1024;

  /// Which of the chunk's sizes its one string is.
  enum class TextField : std::uint8_t { content, reasoning };

  /// What a chunk that matches decodes to, besides what the template's did not vary in.
  struct Match {
    TextField field;
    std::size_t text_bytes;  // > 0
    bool has_role;
  };

  /// Makes `json` the template, if it can be one; otherwise keeps the template it had. `json` is
  /// the (trimmed) data of an event the parser decoded alone, `text_quote` the offset in `json` of
  /// the opening quote of its one sized string (`field`), `text_bytes` that string's size as the
  /// parser measured it, and `has_role` whether the chunk carried a role.
  void learn(std::string_view json, std::size_t text_quote, TextField field, std::size_t text_bytes,
             bool has_role);

  /// Whether `json` (trimmed event data) is the template with another non-empty text, and what it
  /// then decodes to.
  [[nodiscard]] std::optional<Match> match(std::string_view json) const;

 private:
  std::string frame_;       // the template's JSON without its text: prefix, then suffix
  std::size_t prefix_ = 0;  // bytes of frame_ up to and including the text's opening quote
  bool learned_ = false;
  TextField field_ = TextField::content;
  bool has_role_ = false;
};

}  // namespace llmpace::openai
