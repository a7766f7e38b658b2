// The steps of a PreTokenizer. See pre_tokenizer.hpp.
#include "pre_tokenizer.hpp"

#include <utility>

namespace llmpace::tokenizer::detail {

void PreTokenizer::add_split(RegexSplitter splitter) {
  steps_.push_back(Step{false, std::move(splitter)});
}

void PreTokenizer::add_byte_level(bool add_prefix_space, bool use_regex) {
  Step step;
  step.add_prefix_space = add_prefix_space;
  if (use_regex) step.splitter.emplace(kGpt2Pattern, /*literal=*/false);
  steps_.push_back(std::move(step));
  has_byte_level_ = true;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces,
                         std::deque<std::string>& storage) const {
  std::vector<std::string_view> current{text};
  std::vector<std::string_view> next;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const Step& step = steps_[i];
    // The last step writes straight into the caller's list.
    std::vector<std::string_view>& out = i + 1 == steps_.size() ? pieces : next;
    for (std::string_view piece : current) {
      if (step.add_prefix_space && (piece.empty() || piece.front() != ' ')) {
        storage.push_back(" " + std::string(piece));
        piece = storage.back();
      }
      if (step.splitter) {
        step.splitter->split(piece, out);
      } else if (!piece.empty()) {
        out.push_back(piece);
      }
    }
    if (&out == &next) {
      current.swap(next);
      next.clear();
    }
  }
  if (steps_.empty() && !text.empty()) pieces.push_back(text);
}

}  // namespace llmpace::tokenizer::detail
