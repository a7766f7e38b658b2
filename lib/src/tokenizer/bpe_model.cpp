// Byte-pair merging by rank. See bpe_model.hpp.
#include "bpe_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <queue>

#include "llmpace/core/error.hpp"
#include "llmpace/tokenizer/byte_level.hpp"

namespace llmpace::tokenizer::detail {
namespace {

/// Ids above this are rejected: the id -> bytes table is a vector indexed by id.
constexpr TokenId kMaxTokenId = (1 << 24) - 1;
/// Pre-tokens up to this many symbols merge by linear scans; longer ones through a heap.
constexpr std::size_t kShortPiece = 64;
constexpr std::int32_t kNoMerge = std::numeric_limits<std::int32_t>::max();
constexpr std::uint64_t kEmptyKey = ~std::uint64_t{0};  // ids are never negative

std::uint64_t pair_key(TokenId left, TokenId right) {
  return (std::uint64_t{static_cast<std::uint32_t>(left)} << 32) |
         static_cast<std::uint32_t>(right);
}

std::size_t mix(std::uint64_t key) {  // murmur3's finalizer
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  key *= 0xc4ceb9fe1a85ec53ULL;
  key ^= key >> 33;
  return static_cast<std::size_t>(key);
}

}  // namespace

void BpeModel::PairTable::reserve(std::size_t count) {
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, count * 10 / 7 + 1));
  slots_.assign(capacity, Slot{kEmptyKey, Merge{0, 0}});
  mask_ = capacity - 1;
}

void BpeModel::PairTable::insert(TokenId left, TokenId right, Merge merge) {
  const std::uint64_t key = pair_key(left, right);
  for (std::size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == kEmptyKey || slots_[i].key == key) {
      slots_[i] = Slot{key, merge};  // a repeated pair takes its later rank, as in tokenizers
      return;
    }
  }
}

const BpeModel::PairTable::Merge* BpeModel::PairTable::find(TokenId left, TokenId right) const {
  const std::uint64_t key = pair_key(left, right);
  for (std::size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].key == key) return &slots_[i].merge;
    if (slots_[i].key == kEmptyKey) return nullptr;
  }
}

BpeModel::BpeModel(const BpeConfig& config)
    : byte_ids_(256, -1), fuse_unk_(config.fuse_unk), ignore_merges_(config.ignore_merges) {
  // Byte-level string -> id, for resolving merges and the unk token.
  std::unordered_map<std::string_view, TokenId> by_text;
  by_text.reserve(config.vocab.size());
  TokenId max_id = -1;
  for (const auto& [text, id] : config.vocab) {
    if (id < 0 || id > kMaxTokenId) {
      throw ConfigError(
          fmt::format("model.vocab: token {:?} has id {}, outside 0..{}", text, id, kMaxTokenId));
    }
    by_text[text] = id;
    max_id = std::max(max_id, id);
  }
  bytes_.resize(static_cast<std::size_t>(max_id + 1));
  has_id_.resize(static_cast<std::size_t>(max_id + 1));
  ids_.reserve(config.vocab.size());
  for (const auto& [text, id] : config.vocab) {
    const auto index = static_cast<std::size_t>(id);
    if (!has_id_[index]) ++vocab_size_;
    has_id_[index] = true;
    if (std::optional<std::string> bytes = from_byte_level(text)) {
      bytes_[index] = *bytes;
      ids_[*bytes] = id;
      if (bytes->size() == 1) byte_ids_[static_cast<unsigned char>((*bytes)[0])] = id;
    } else {
      bytes_[index] = text;  // decodes as itself; no pre-token can reach it
    }
  }

  merges_.reserve(config.merges.size());
  const auto lookup = [&by_text](const std::string& text) -> std::optional<TokenId> {
    const auto it = by_text.find(text);
    if (it == by_text.end()) return std::nullopt;
    return it->second;
  };
  for (std::size_t rank = 0; rank < config.merges.size(); ++rank) {
    const auto& [left, right] = config.merges[rank];
    const std::optional<TokenId> left_id = lookup(left);
    const std::optional<TokenId> right_id = lookup(right);
    const std::optional<TokenId> merged_id = lookup(left + right);
    if (!left_id || !right_id || !merged_id) {
      throw ConfigError(fmt::format("model.merges[{}] ({:?} {:?}): {:?} is not in the vocabulary",
                                    rank, left, right,
                                    !left_id    ? left
                                    : !right_id ? right
                                                : left + right));
    }
    merges_.insert(*left_id, *right_id, {static_cast<std::int32_t>(rank), *merged_id});
  }

  if (config.unk_token) {
    unk_id_ = lookup(*config.unk_token);
    if (!unk_id_) {
      throw ConfigError(
          fmt::format("model.unk_token {:?} is not in the vocabulary", *config.unk_token));
    }
  }
}

void BpeModel::encode(std::string_view piece, std::vector<TokenId>& ids) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (const auto it = ids_.find(piece); it != ids_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  std::vector<TokenId> symbols;
  symbols.reserve(piece.size());
  bool last_was_unk = false;
  for (const char byte : piece) {
    const TokenId id = byte_ids_[static_cast<unsigned char>(byte)];
    if (id >= 0) {
      symbols.push_back(id);
      last_was_unk = false;
    } else if (unk_id_ && !(fuse_unk_ && last_was_unk)) {
      symbols.push_back(*unk_id_);
      last_was_unk = true;
    }
  }
  if (symbols.size() <= kShortPiece) {
    merge_short(symbols);
  } else {
    merge_long(symbols);
  }
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

void BpeModel::merge_short(std::vector<TokenId>& symbols) const {
  // ranks[i] and merged[i] describe the pair (symbols[i], symbols[i + 1]).
  std::int32_t ranks[kShortPiece];
  TokenId merged[kShortPiece];
  std::size_t count = symbols.size();
  const auto look_up = [&](std::size_t i) {
    const PairTable::Merge* merge = merges_.find(symbols[i], symbols[i + 1]);
    ranks[i] = merge != nullptr ? merge->rank : kNoMerge;
    merged[i] = merge != nullptr ? merge->id : -1;
  };
  for (std::size_t i = 0; i + 1 < count; ++i) look_up(i);
  while (count > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < count; ++i) {
      if (ranks[i] < ranks[best]) best = i;
    }
    if (ranks[best] == kNoMerge) break;
    symbols[best] = merged[best];
    // Drop symbol best + 1 and the pair that started with it.
    for (std::size_t i = best + 1; i + 1 < count; ++i) {
      symbols[i] = symbols[i + 1];
      ranks[i] = ranks[i + 1];
      merged[i] = merged[i + 1];
    }
    --count;
    if (best > 0) look_up(best - 1);
    if (best + 1 < count) look_up(best);
  }
  symbols.resize(count);
}

void BpeModel::merge_long(std::vector<TokenId>& symbols) const {
  const std::size_t count = symbols.size();
  std::vector<std::int32_t> prev(count);
  std::vector<std::int32_t> next(count);
  for (std::size_t i = 0; i < count; ++i) {
    prev[i] = static_cast<std::int32_t>(i) - 1;
    next[i] = i + 1 < count ? static_cast<std::int32_t>(i + 1) : -1;
  }
  std::vector<bool> gone(count, false);
  struct Candidate {
    std::int32_t rank;
    std::int32_t left;  // position of the pair's left symbol
    TokenId merged;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : left > other.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto push = [&](std::int32_t left) {
    const std::int32_t right = next[static_cast<std::size_t>(left)];
    if (right < 0) return;
    const PairTable::Merge* merge = merges_.find(symbols[static_cast<std::size_t>(left)],
                                                 symbols[static_cast<std::size_t>(right)]);
    if (merge != nullptr) queue.push({merge->rank, left, merge->id});
  };
  for (std::size_t i = 0; i + 1 < count; ++i) push(static_cast<std::int32_t>(i));

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    const auto left = static_cast<std::size_t>(top.left);
    if (gone[left] || next[left] < 0) continue;
    const auto right = static_cast<std::size_t>(next[left]);
    // Stale when either symbol changed since the candidate was queued.
    const PairTable::Merge* current = merges_.find(symbols[left], symbols[right]);
    if (current == nullptr || current->rank != top.rank || current->id != top.merged) continue;
    symbols[left] = top.merged;
    gone[right] = true;
    next[left] = next[right];
    if (next[left] >= 0) prev[static_cast<std::size_t>(next[left])] = top.left;
    if (prev[left] >= 0) push(prev[left]);
    push(top.left);
  }
  std::size_t out = 0;
  for (std::int32_t i = 0; i >= 0; i = next[static_cast<std::size_t>(i)]) {
    symbols[out++] = symbols[static_cast<std::size_t>(i)];
  }
  symbols.resize(out);
}

const std::string* BpeModel::bytes_of(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= bytes_.size()) return nullptr;
  if (!has_id_[static_cast<std::size_t>(id)]) return nullptr;
  return &bytes_[static_cast<std::size_t>(id)];
}

std::optional<TokenId> BpeModel::id_of(std::string_view bytes) const {
  const auto it = ids_.find(bytes);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace llmpace::tokenizer::detail
