// BpeModel: the "model" of a byte-level BPE tokenizer.json (type "BPE"), working on raw bytes.
// The vocabulary and merges are given as in the file, in the byte-level alphabet
// (llmpace/tokenizer/byte_level.hpp), and mapped to bytes once at load.
//
// encode() turns one pre-token into ids as Hugging Face tokenizers does: with ignore_merges, a
// pre-token that is itself in the vocabulary is that token; otherwise each byte starts as its own
// symbol and the adjacent pair with the best (lowest) merge rank is merged, leftmost first among
// equal ranks, until no adjacent pair has a merge. Short pre-tokens use a linear scan over cached
// pair ranks, long ones a heap over a linked list; both merge in the same order. There is no
// cache, so nothing is shared between calls.
//
// Thread affinity: immutable after construction; encode() and decode lookups are safe from any
// number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "llmpace/tokenizer/tokenizer.hpp"

namespace llmpace::tokenizer::detail {

struct BpeConfig {
  std::vector<std::pair<std::string, TokenId>> vocab;       // byte-level string, id
  std::vector<std::pair<std::string, std::string>> merges;  // byte-level strings; rank = index
  bool ignore_merges = false;
  std::optional<std::string> unk_token;  // byte-level string; must be in the vocabulary
  bool fuse_unk = false;
};

class BpeModel {
 public:
  /// Throws ConfigError when an id is negative or absurdly large, a merge names a string that is
  /// not in the vocabulary (either part or their concatenation), or unk_token is not in it.
  explicit BpeModel(const BpeConfig& config);

  /// Appends the ids of one pre-token (raw bytes) to `ids`. Bytes without a token become the unk
  /// token when there is one and are left out otherwise (as Hugging Face tokenizers does).
  void encode(std::string_view piece, std::vector<TokenId>& ids) const;

  /// The bytes of token `id`; nullptr when the vocabulary has no such id. A vocabulary string
  /// outside the byte-level alphabet is its own UTF-8, as Hugging Face's ByteLevel decoder does.
  [[nodiscard]] const std::string* bytes_of(TokenId id) const;

  /// The id of the token whose bytes are `bytes`, if any.
  [[nodiscard]] std::optional<TokenId> id_of(std::string_view bytes) const;

  [[nodiscard]] std::size_t vocab_size() const { return vocab_size_; }

 private:
  /// Open-addressing hash table from a pair of ids to the merge's rank and resulting id.
  class PairTable {
   public:
    struct Merge {
      std::int32_t rank;
      TokenId id;
    };
    void reserve(std::size_t count);
    void insert(TokenId left, TokenId right, Merge merge);
    [[nodiscard]] const Merge* find(TokenId left, TokenId right) const;

   private:
    struct Slot {
      std::uint64_t key;
      Merge merge;
    };
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
  };

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  void merge_short(std::vector<TokenId>& symbols) const;
  void merge_long(std::vector<TokenId>& symbols) const;

  std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>> ids_;  // bytes -> id
  std::vector<std::string> bytes_;                                             // id -> bytes
  std::vector<bool> has_id_;       // id -> in the vocabulary
  std::vector<TokenId> byte_ids_;  // byte -> id of its one-byte token, or -1
  PairTable merges_;
  std::optional<TokenId> unk_id_;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::size_t vocab_size_ = 0;
};

}  // namespace llmpace::tokenizer::detail
