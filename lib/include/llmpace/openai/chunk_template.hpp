// ChunkTemplate: recognises a streamed chunk as one the JSON parser decoded before, with other
// values where the decoder reads none and another text, and decodes it without parsing it again.
//
// A server streams chunks that differ only in a few values. vLLM's are
//   {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1733,"model":"m","choices":
//    [{"index":0,"delta":{"content":"TEXT"},"logprobs":null,"finish_reason":null}]}
// with the same id, created and model from a response's first chunk to its last, and another id
// and created in the next response. A template is the bytes of such a chunk with three kinds of
// hole: its one sized string's text (content, completions text or reasoning), and the values of
// the top-level fields the decoder ignores (id, created, model, system_fingerprint...) when they
// are strings of plain printable ASCII or whole numbers without sign, fraction or exponent.
//
// A chunk matches when it is the template's bytes with other such values in the holes: a text
// that is a valid, non-empty JSON string body, strings of plain printable ASCII, whole numbers.
// Such a chunk is valid JSON with the template's structure and every value the decoder reads the
// template's but the text, so it decodes to the template's chunk with the new text's size.
// Anything else — other bytes around the holes, an empty text, a \u escape, a byte the JSON
// grammar or UTF-8 forbids — is no match, and the parser decides.
//
// The common case costs two comparisons: the bytes before the text and after it, as the last
// match left them. When those differ (a new response's id), the holes are found again one by one,
// and a chunk that matches that way becomes the template, so that the rest of its response takes
// the common case.
//
// Sans-IO. Keeps a copy of the template's bytes without its text (at most kMaxFrameBytes).
// Thread affinity: none; one owner (a ChunkTemplateSet) uses it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/openai/decoded_chunk.hpp"

namespace llmpace::openai {

/// The size of a JSON string's text once unescaped, given the bytes between its quotes; nullopt
/// when they are not a complete, valid string body (an unescaped quote, a lone backslash at the
/// end, a control character, invalid UTF-8) or hold a \u escape, which is left to the parser.
std::optional<std::size_t> json_string_text_size(std::string_view body);

class ChunkTemplate {
 public:
  /// Bytes kept of a template: chunks whose JSON around the text is longer are not kept.
  static constexpr std::size_t kMaxFrameBytes = 1024;
  /// Ignored values a template can vary in; further ones are kept as they are.
  static constexpr std::size_t kMaxIgnoredValues = 4;

  /// Which of the chunk's sizes its one string is.
  enum class TextField : std::uint8_t { content, reasoning };
  /// What an ignored value that a template may vary is: a string of plain printable ASCII (no '"'
  /// or '\\'), or a whole number without sign, fraction or exponent.
  enum class HoleKind : std::uint8_t { plain_string, whole_number };

  /// Where the parts of a decoded chunk's JSON that may vary are, as offsets in it.
  struct Layout {
    /// The opening quote of its one sized string, when it had exactly one.
    std::optional<std::size_t> text_quote;
    TextField text_field = TextField::content;
    /// The first bytes of the values of top-level fields the decoder does not read, in order.
    std::array<std::size_t, kMaxIgnoredValues> ignored_values{};
    std::size_t ignored_count = 0;
  };

  /// Makes `json` (trimmed event data that the parser decoded alone to `chunk`, not an error) the
  /// template, and returns true; or returns false and keeps the template it had, when `json` cannot
  /// be one (its JSON around the text is longer than kMaxFrameBytes, holds a line break, or the
  /// text's size is not what this class measures).
  bool learn(std::string_view json, const Layout& layout, const DecodedChunk& chunk);

  /// Whether `json` (trimmed event data, not empty) is the template with other values in its
  /// holes; if so, writes what it decodes to into `out` (reusing its strings) and makes it the
  /// template. A template that has learned nothing matches nothing.
  bool match(std::string_view json, DecodedChunk& out);

  /// Whether `bytes` begin with a chunk's JSON that is the template with its holes' values as the
  /// last match left them (the usual case of match(), found without knowing where the JSON ends);
  /// if so, writes what it decodes to into `out` and returns the JSON's size, else returns 0. The
  /// JSON it measures holds no line break (learn() takes none that has one).
  std::size_t recognise(std::string_view bytes, DecodedChunk& out) const;

  /// How many chunks with other values in the holes it has matched (each became the template).
  [[nodiscard]] std::uint64_t adoptions() const { return adoptions_; }

  /// Gives the template's holes before the text the values `source` has in the same fields: from
  /// the first on, each hole at the same offset, of the same size and kind, after the same bytes
  /// as in `source`. (A response's chunks share their ids: once one chunk of a new response has
  /// matched, the others then match in the usual case.) It matches the same chunks as before: only
  /// which of them take the usual case changes.
  void take_hole_values(const ChunkTemplate& source);

  /// Whether the template has a text (a hole for one non-empty sized string).
  [[nodiscard]] bool has_text() const { return has_text_; }

  /// The template's JSON without its text, its holes as last matched (for tests: what the next
  /// chunk is compared with first).
  [[nodiscard]] std::string_view frame() const { return frame_; }

 private:
  /// An ignored value in frame_: a string's body between its quotes, or a number.
  struct Hole {
    std::size_t at = 0;
    std::size_t size = 0;
    HoleKind kind = HoleKind::plain_string;
  };
  /// Where a chunk has a hole's value: offset and size in the chunk.
  struct Found {
    std::size_t at = 0;
    std::size_t size = 0;
  };

  /// match() with the holes found one by one (the fixed tail compared); adopts `json` if it
  /// matches.
  bool match_holes(std::string_view json, DecodedChunk& out);
  /// Makes `json`, which matched, the template: its text is at `text`, its holes' values at
  /// `found`.
  void adopt(std::string_view json, Found text, const std::array<Found, kMaxIgnoredValues>& found);
  /// Makes `json` the template, its text at `text`, its holes' values at `found` (with the kinds
  /// of holes_), whatever the template was.
  void rebuild(std::string_view json, Found text,
               const std::array<Found, kMaxIgnoredValues>& found);
  /// Writes the template's chunk, its text `text_bytes` long, into `out`.
  void decode_into(std::size_t text_bytes, DecodedChunk& out) const;
  /// Copies the template's finish_reason and usage into `out`.
  void copy_reports(DecodedChunk& out) const;

  std::string frame_;        // the template's JSON without its text, holes as last matched
  std::size_t text_at_ = 0;  // where in frame_ the text goes (frame_.size() when it has none)
  bool has_text_ = false;
  TextField text_field_ = TextField::content;
  std::array<Hole, kMaxIgnoredValues> holes_{};  // in order of `at`
  std::size_t hole_count_ = 0;
  std::size_t holes_before_text_ = 0;
  std::size_t fixed_tail_ = 0;  // bytes at frame_'s end after the last hole and the text
  DecodedChunk chunk_;          // what the template decoded to (its text's size aside)
  std::uint64_t adoptions_ = 0;
};

}  // namespace llmpace::openai
