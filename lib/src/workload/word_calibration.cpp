#include "llmpace/workload/word_calibration.hpp"

#include <fmt/format.h>

#include <array>

#include "llmpace/core/error.hpp"

namespace llmpace::workload {
namespace {

// Common short English words: each is a single token in the GPT-2, Llama 3, Mistral and Qwen
// vocabularies when preceded by a space (calibrate_words checks, and drops any that is not).
constexpr std::array<std::string_view, 64> kWords = {
    "the",   "of",    "and",   "to",    "in",    "is",    "that", "for",  "it",    "as",
    "was",   "with",  "be",    "by",    "on",    "not",   "he",   "this", "are",   "or",
    "his",   "from",  "at",    "which", "but",   "have",  "an",   "had",  "they",  "you",
    "were",  "their", "one",   "all",   "we",    "can",   "her",  "has",  "there", "been",
    "if",    "more",  "when",  "will",  "would", "who",   "so",   "no",   "time",  "water",
    "light", "house", "world", "day",   "night", "river", "city", "road", "music", "paper",
    "green", "stone", "cloud", "field"};

constexpr std::size_t kMinWords = 16;

std::string join(std::span<const std::string> words) {
  std::string text;
  for (const auto& word : words) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

}  // namespace

WordCalibration calibrate_words(TokenCounter& counter, PromptForm form) {
  WordCalibration calibration;
  calibration.form = form;
  calibration.tokenizer = counter.description();
  calibration.words.assign(kWords.begin(), kWords.end());
  calibration.lead = calibration.words.front();
  if (!counter.exact(PromptForm::bare)) return calibration;  // approx: a word is a token

  const std::int64_t calls_before = counter.calls();
  const auto all_words = static_cast<std::int64_t>(calibration.words.size());
  if (counter.count(join(calibration.words), PromptForm::bare) != all_words) {
    // Some word is more than one token: keep those that cost one after a space.
    const std::string anchor{kWords.front()};
    const std::int64_t anchor_tokens = counter.count(anchor, PromptForm::bare);
    std::vector<std::string> single;
    for (const auto& word : calibration.words) {
      if (counter.count(anchor + " " + word, PromptForm::bare) - anchor_tokens == 1) {
        single.push_back(word);
      }
    }
    calibration.words = std::move(single);
  }
  if (calibration.words.size() < kMinWords) {
    throw ConfigError(fmt::format(
        "--tokenizer: only {} of the {} built-in words are one token each for {}; exact "
        "synthetic prompts need {} (use --tokenizer approx)",
        calibration.words.size(), kWords.size(), calibration.tokenizer, kMinWords));
  }

  calibration.lead.clear();
  for (const auto& word : calibration.words) {
    if (counter.count(word, PromptForm::bare) == 1) {
      calibration.lead = word;
      break;
    }
  }
  if (calibration.lead.empty()) {
    throw ConfigError(
        fmt::format("--tokenizer: no built-in word is one token at the start of a "
                    "text for {} (use --tokenizer approx)",
                    calibration.tokenizer));
  }

  std::vector<std::string> sample{calibration.lead};
  sample.insert(sample.end(), calibration.words.begin(), calibration.words.end());
  const std::string text = join(sample);
  const std::int64_t bare = counter.count(text, PromptForm::bare);
  if (bare != static_cast<std::int64_t>(sample.size())) {
    throw ConfigError(
        fmt::format("--tokenizer: {} does not count space-separated words one token "
                    "each ({} tokens for {} words; use --tokenizer approx)",
                    calibration.tokenizer, bare, sample.size()));
  }
  calibration.overhead_tokens = counter.count(text, form) - bare;
  calibration.exact = counter.exact(form);
  calibration.calls = counter.calls() - calls_before;
  return calibration;
}

}  // namespace llmpace::workload
