// ChunkTemplateSet: a decoder's templates (chunk_template.hpp), one per shape of chunk its server
// sends. vLLM's chat stream has four: the role chunk, content chunks, the last content chunk with
// its finish_reason, the usage chunk. With a template for each, every chunk of a response but
// those that vary in more than their text and ids (llama.cpp's timings, say) is decoded without
// the parser from the decoder's second response on.
//
// Templates are tried most recently matched first, so a response's content chunks find theirs at
// once; a chunk the parser decoded becomes a template in place of the one used least recently.
// When a chunk matches a template with new ids (a new response's), the other templates take them
// (ChunkTemplate::take_hole_values()), so that the response's chunks of other shapes match in the
// usual case too. The most recently matched template, when it has a text, also recognises the
// next chunk where it lies in the stream (recogniser()).
// A server whose chunks each differ elsewhere (a counter in every chunk, say) would have every
// chunk tried against every template, then parsed and learned, for nothing: after kMissesToRest
// chunks in a row that no template matched, the set rests for kRestChunks chunks, trying and
// learning none.
//
// Sans-IO. Holds at most kCapacity templates and one spare (each at most
// ChunkTemplate::kMaxFrameBytes of JSON), allocated as they are first learned.
// Thread affinity: none; one owner (a ChunkDecoder) uses it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "llmpace/openai/chunk_template.hpp"
#include "llmpace/openai/decoded_chunk.hpp"

namespace llmpace::openai {

class ChunkTemplateSet {
 public:
  /// Templates kept: the shapes of one response, with room for a reasoning model's.
  static constexpr std::size_t kCapacity = 6;
  /// Chunks in a row that no template matched after which the set rests (a vLLM response has at
  /// most two: its role chunk and its first content chunk, the first time), and for how long:
  /// so the rest is about 1 % of the time when no chunk ever matches.
  static constexpr std::size_t kMissesToRest = 8;
  static constexpr std::size_t kRestChunks = 1024 - kMissesToRest;

  /// Whether a template matches `json` (trimmed event data); if so, writes what it decodes to into
  /// `out` (ChunkTemplate::match()).
  bool match(std::string_view json, DecodedChunk& out) {
    if (rest_left_ > 0) [[unlikely]] {
      --rest_left_;
      return false;
    }
    // Inline for the usual case: a response's next chunk of the last one's shape.
    if (!templates_.empty()) {
      ChunkTemplate& recent = templates_[order_[0]];
      const std::uint64_t adoptions = recent.adoptions();
      if (recent.match(json, out)) {
        misses_ = 0;
        if (recent.adoptions() != adoptions) [[unlikely]] {
          share_hole_values(0);
        }
        return true;
      }
    }
    return match_others(json, out);
  }

  /// The template to recognise a chunk where it lies with (ChunkTemplate::recognise()), found
  /// before its end is known: the most recently matched, when it has a text (a response's next
  /// content chunk) and the set is not resting; else null. A response's role or usage chunk comes
  /// once, so a template without text would recognise only the next response's, which has other
  /// ids. Call recognised() when a chunk it recognised is taken.
  [[nodiscard]] const ChunkTemplate* recogniser() const {
    if (rest_left_ > 0 || templates_.empty()) return nullptr;
    const ChunkTemplate& recent = templates_[order_[0]];
    return recent.has_text() ? &recent : nullptr;
  }
  /// Counts a chunk the recogniser() recognised, and that was taken, as matched.
  void recognised() { misses_ = 0; }

  /// How many chunks matched with other hole values than their template's (ids of a new
  /// response), whose values then went to the other templates.
  [[nodiscard]] std::uint64_t adoptions() const { return adoptions_; }

  /// Offers a chunk the parser decoded alone (ChunkTemplate::learn()); not taken while resting.
  void learn(std::string_view json, const ChunkTemplate::Layout& layout, const DecodedChunk& chunk);

 private:
  /// match() by the templates but the most recently used.
  bool match_others(std::string_view json, DecodedChunk& out);
  /// Gives the other templates the hole values of the one at `position` in order_, which has just
  /// matched a chunk with new ones (ChunkTemplate::take_hole_values()): the new response's ids.
  void share_hole_values(std::size_t position);
  /// Makes the template at `position` in order_ the most recently used.
  void move_to_front(std::size_t position);

  std::vector<ChunkTemplate> templates_;
  std::array<std::uint8_t, kCapacity> order_{};  // templates_ indexes, most recently used first
  ChunkTemplate spare_;     // learns each offer; swapped in when kept, so learning reuses its bytes
  std::size_t misses_ = 0;  // chunks in a row that no template matched
  std::size_t rest_left_ = 0;  // chunks still to pass by while resting
  std::uint64_t adoptions_ = 0;
};

}  // namespace llmpace::openai
