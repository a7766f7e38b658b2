#include "llmpace/openai/chunk_template_set.hpp"

#include <algorithm>
#include <utility>

namespace llmpace::openai {

bool ChunkTemplateSet::match_others(std::string_view json, DecodedChunk& out) {
  for (std::size_t position = 1; position < templates_.size(); ++position) {
    ChunkTemplate& candidate = templates_[order_[position]];
    const std::uint64_t adoptions = candidate.adoptions();
    if (candidate.match(json, out)) {
      if (candidate.adoptions() != adoptions) share_hole_values(position);
      move_to_front(position);
      misses_ = 0;
      return true;
    }
  }
  if (++misses_ == kMissesToRest) {
    misses_ = 0;
    rest_left_ = kRestChunks;
  }
  return false;
}

void ChunkTemplateSet::learn(std::string_view json, const ChunkTemplate::Layout& layout,
                             const DecodedChunk& chunk) {
  // (Never a shape a template has: a chunk of that shape would have matched it.)
  if (rest_left_ > 0 || !spare_.learn(json, layout, chunk)) return;
  std::size_t position = templates_.size();  // a new template's, or the least recently used's
  if (templates_.size() < kCapacity) {
    order_[position] = static_cast<std::uint8_t>(templates_.size());
    templates_.emplace_back();
  } else {
    --position;
  }
  std::swap(templates_[order_[position]], spare_);
  move_to_front(position);
}

void ChunkTemplateSet::share_hole_values(std::size_t position) {
  ++adoptions_;
  const ChunkTemplate& source = templates_[order_[position]];
  for (std::size_t other = 0; other < templates_.size(); ++other) {
    if (other != order_[position]) templates_[other].take_hole_values(source);
  }
}

void ChunkTemplateSet::move_to_front(std::size_t position) {
  std::rotate(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(position),
              order_.begin() + static_cast<std::ptrdiff_t>(position) + 1);
}

}  // namespace llmpace::openai
