#include "llmpace/openai/chunk_template_set.hpp"

#include <algorithm>
#include <utility>

namespace llmpace::openai {

bool ChunkTemplateSet::match_others(std::string_view json, DecodedChunk& out) {
  for (std::size_t position = 1; position < templates_.size(); ++position) {
    if (templates_[order_[position]].match(json, out)) {
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

void ChunkTemplateSet::move_to_front(std::size_t position) {
  std::rotate(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(position),
              order_.begin() + static_cast<std::ptrdiff_t>(position) + 1);
}

}  // namespace llmpace::openai
