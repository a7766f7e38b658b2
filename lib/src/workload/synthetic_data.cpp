#include "llmpace/workload/synthetic_data.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "llmpace/core/error.hpp"

namespace llmpace::workload {
namespace {

// Common short English words: each is a single token in the GPT-2, Llama 3, Mistral and Qwen
// vocabularies when preceded by a space.
constexpr std::array<std::string_view, 64> kWords = {
    "the",   "of",    "and",   "to",    "in",    "is",    "that", "for",  "it",    "as",
    "was",   "with",  "be",    "by",    "on",    "not",   "he",   "this", "are",   "or",
    "his",   "from",  "at",    "which", "but",   "have",  "an",   "had",  "they",  "you",
    "were",  "their", "one",   "all",   "we",    "can",   "her",  "has",  "there", "been",
    "if",    "more",  "when",  "will",  "would", "who",   "so",   "no",   "time",  "water",
    "light", "house", "world", "day",   "night", "river", "city", "road", "music", "paper",
    "green", "stone", "cloud", "field"};

constexpr std::int64_t kMaxTokens = 10'000'000;

std::int64_t parse_count(std::string_view key, std::string_view value) {
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size() || number < 1 ||
      number > kMaxTokens) {
    throw ConfigError(fmt::format("--data: {} must be a whole number from 1 to {}, got '{}'", key,
                                  kMaxTokens, value));
  }
  return number;
}

}  // namespace

SyntheticDataSpec parse_synthetic_data(std::string_view text) {
  SyntheticDataSpec spec;
  if (text.empty()) throw ConfigError("--data: empty (expected prompt_tokens=N,output_tokens=M)");
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw ConfigError(fmt::format(
          "--data: expected key=value pairs like prompt_tokens=128,output_tokens=64, got '{}'",
          item));
    }
    const std::string_view key = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (key == "prompt_tokens") {
      spec.prompt_tokens = parse_count(key, value);
    } else if (key == "output_tokens") {
      spec.output_tokens = parse_count(key, value);
    } else {
      throw ConfigError(
          fmt::format("--data: unknown key '{}' (supported: prompt_tokens, output_tokens)", key));
    }
  }
  return spec;
}

SyntheticPromptSource::SyntheticPromptSource(SyntheticDataSpec spec, std::uint64_t seed)
    : spec_(spec), seed_(seed) {}

Prompt SyntheticPromptSource::prompt_for(std::uint64_t index) const {
  // The marker is the request's index spelled in words (base 64 digits from kWords), so prompts
  // differ from their first tokens while keeping every word a single token.
  std::mt19937_64 rng(seed_ ^ (index * 0x9E3779B97F4A7C15ULL));
  std::uniform_int_distribution<std::size_t> pick(0, kWords.size() - 1);
  Prompt prompt;
  prompt.output_tokens = spec_.output_tokens;
  prompt.text.reserve(static_cast<std::size_t>(spec_.prompt_tokens) * 6);
  std::int64_t words = 0;
  auto append = [&](std::string_view word) {
    if (words > 0) prompt.text.push_back(' ');
    prompt.text.append(word);
    ++words;
  };
  std::uint64_t marker = index;
  for (int digit = 0; digit < 4 && words < spec_.prompt_tokens; ++digit) {
    append(kWords[marker % kWords.size()]);
    marker /= kWords.size();
  }
  while (words < spec_.prompt_tokens) append(kWords[pick(rng)]);
  prompt.approx_tokens = words;
  return prompt;
}

}  // namespace llmpace::workload
