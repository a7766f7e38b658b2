// PreTokenizer: the pre_tokenizer of a byte-level BPE tokenizer.json, as steps applied in order,
// each to every piece the steps before it made:
//   Split {pattern, behavior "Isolated", invert false}: the pattern's matches and the text
//     between them (RegexSplitter).
//   ByteLevel {add_prefix_space, use_regex}: a space before each piece that does not start with
//     one (add_prefix_space), then GPT-2's regex (use_regex). Its byte -> alphabet mapping is left
//     out: the BPE model works on raw bytes and maps its vocabulary instead.
//
// Thread affinity: immutable once built; split() may run on any number of threads at once.
// Lifetime: pieces view the text given to split() or strings appended to its `storage`.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "regex_splitter.hpp"

namespace llmpace::tokenizer::detail {

/// The regex of GPT-2's ByteLevel pre-tokenizer (use_regex: true).
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class PreTokenizer {
 public:
  void add_split(RegexSplitter splitter);
  void add_byte_level(bool add_prefix_space, bool use_regex);

  /// True once a ByteLevel step was added (a byte-level BPE tokenizer has one).
  [[nodiscard]] bool has_byte_level() const { return has_byte_level_; }

  /// Appends the pieces of `text` to `pieces`. Pieces with an added space live in `storage`.
  void split(std::string_view text, std::vector<std::string_view>& pieces,
             std::deque<std::string>& storage) const;

 private:
  struct Step {
    bool add_prefix_space = false;
    std::optional<RegexSplitter> splitter;  // none: the piece stays whole
  };
  std::vector<Step> steps_;
  bool has_byte_level_ = false;
};

}  // namespace llmpace::tokenizer::detail
