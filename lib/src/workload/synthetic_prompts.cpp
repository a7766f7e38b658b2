#include "llmpace/workload/synthetic_prompts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "llmpace/core/error.hpp"
#include "llmpace/core/splitmix64.hpp"

namespace llmpace::workload {
namespace {

constexpr int kMarkerWords = 4;
constexpr std::int64_t kMaxPrefixTokensKept = 50'000'000;  // ~300 MB of text

// Independent draw streams per request.
enum Stream : std::uint64_t {
  kPromptLengthA = 1,
  kPromptLengthB,
  kOutputLengthA,
  kOutputLengthB,
  kWords,
  kPrefixWords,
};

// Appends `count` seeded words (from `bits` onwards) separated by spaces. A block of words is
// drawn and measured first, then written with one resize: an append per word cost more than the
// word (88 instructions), and a prompt is thousands of words.
void append_words(std::string& text, const std::vector<std::string>& words, std::int64_t count,
                  std::uint64_t bits) {
  constexpr std::int64_t kBlockWords = 256;
  std::array<const std::string*, kBlockWords> drawn{};
  while (count > 0) {
    const std::int64_t block = std::min(count, kBlockWords);
    const bool space_first = !text.empty();
    std::size_t bytes = 0;
    for (std::int64_t i = 0; i < block; ++i) {
      bits = splitmix64(bits);
      drawn[static_cast<std::size_t>(i)] = &words[bits % words.size()];
      bytes += drawn[static_cast<std::size_t>(i)]->size();
    }
    // A space before each word but a text's first.
    bytes += static_cast<std::size_t>(space_first ? block : block - 1);
    const std::size_t start = text.size();
    text.resize(start + bytes);
    char* at = text.data() + start;
    for (std::int64_t i = 0; i < block; ++i) {
      if (i > 0 || space_first) *at++ = ' ';
      const std::string& word = *drawn[static_cast<std::size_t>(i)];
      at = std::copy(word.begin(), word.end(), at);
    }
    count -= block;
  }
}

}  // namespace

SyntheticPromptSource::SyntheticPromptSource(SyntheticDataSpec spec, std::uint64_t seed,
                                             WordCalibration calibration)
    : spec_(spec), seed_(seed), calibration_(std::move(calibration)) {
  const std::int64_t overhead = calibration_.overhead_tokens;
  // GuideLLM's scenarios bound lengths below by 1, which a chat request cannot be: a bound under
  // what the form adds by itself is raised to the shortest prompt there is, and the report says so.
  if (spec_.prompt.min && *spec_.prompt.min <= overhead && spec_.prompt.mean > overhead) {
    prompt_min_raised_from_ = *spec_.prompt.min;
    spec_.prompt.min = overhead + 1;
  }
  if (spec_.prompt.lowest() <= overhead) {
    throw ConfigError(fmt::format(
        "--data: prompt_tokens{} = {} leaves no room for text: a {} request adds {} tokens by "
        "itself ({})",
        spec_.prompt.min ? "_min" : "", spec_.prompt.lowest(), to_string(calibration_.form),
        overhead, calibration_.tokenizer));
  }
  if (spec_.prefix_tokens == 0) return;
  // The prefixes are kept as text, about 6 bytes a token.
  if (spec_.prefix_tokens * spec_.prefix_count > kMaxPrefixTokensKept) {
    throw ConfigError(fmt::format(
        "--data: prefix_tokens x prefix_count = {} tokens of shared prefixes; at most {}",
        spec_.prefix_tokens * spec_.prefix_count, kMaxPrefixTokensKept));
  }
  prefixes_.reserve(static_cast<std::size_t>(spec_.prefix_count));
  for (std::int64_t group = 0; group < spec_.prefix_count; ++group) {
    std::string prefix = calibration_.lead;
    append_words(prefix, calibration_.words, spec_.prefix_tokens - 1,
                 splitmix64(seed_ ^ splitmix64(static_cast<std::uint64_t>(group) + kPrefixWords)));
    prefixes_.push_back(std::move(prefix));
  }
}

std::uint64_t SyntheticPromptSource::draw(std::uint64_t index, std::uint64_t stream) const {
  return splitmix64(seed_ ^ splitmix64(index * 8 + stream));
}

std::int64_t SyntheticPromptSource::prompt_tokens_for(std::uint64_t index) const {
  return spec_.prompt.sample(draw(index, kPromptLengthA), draw(index, kPromptLengthB));
}

namespace {

// Appends the marker of `index` and `words` words in all (marker included) to `text`.
void append_marked_words(std::string& text, const std::vector<std::string>& vocabulary,
                         std::int64_t words, std::uint64_t index, std::uint64_t bits) {
  // The marker: the index in base |vocabulary|, least significant digit first.
  std::uint64_t marker = index;
  for (int digit = 0; digit < kMarkerWords && words > 0; ++digit, --words) {
    if (!text.empty()) text += ' ';
    text += vocabulary[marker % vocabulary.size()];
    marker /= vocabulary.size();
  }
  append_words(text, vocabulary, words, bits);
}

}  // namespace

std::string synthetic_text(const WordCalibration& calibration, std::int64_t tokens,
                           std::uint64_t index, std::uint64_t seed) {
  const std::int64_t words = tokens - calibration.overhead_tokens;
  std::string text = calibration.lead;  // one token at the start of a text
  text.reserve(static_cast<std::size_t>(words) * 7);
  append_marked_words(text, calibration.words, words - 1, index,
                      splitmix64(seed ^ splitmix64(index * 8 + kWords)));
  return text;
}

Prompt SyntheticPromptSource::prompt_for(std::uint64_t index) const {
  const std::int64_t tokens = prompt_tokens_for(index);
  Prompt prompt;
  prompt.expected_prompt_tokens = tokens + spec_.prefix_tokens;
  prompt.output_tokens =
      spec_.output.sample(draw(index, kOutputLengthA), draw(index, kOutputLengthB));
  if (prefixes_.empty()) {
    prompt.text = synthetic_text(calibration_, tokens, index, seed_);
  } else {
    // After the prefix, all `tokens` - overhead words are marker and body.
    const std::int64_t words = tokens - calibration_.overhead_tokens;
    prompt.text.reserve(static_cast<std::size_t>(words + spec_.prefix_tokens) * 7);
    prompt.text = prefixes_[index % prefixes_.size()];
    append_marked_words(prompt.text, calibration_.words, words, index, draw(index, kWords));
  }
  return prompt;
}

nlohmann::json SyntheticPromptSource::describe() const {
  const auto length = [](const LengthSpec& spec) {
    nlohmann::json json{{"mean", spec.mean},
                        {"stdev", spec.stdev},
                        {"min", spec.lowest()},
                        {"max", spec.highest()}};
    return json;
  };
  return {{"kind", "synthetic"},
          {"prompt_tokens", length(spec_.prompt)},
          {"output_tokens", length(spec_.output)},
          {"prefix_tokens", spec_.prefix_tokens},
          {"prefix_count", spec_.prefix_count},
          {"turns", spec_.turns},
          {"seed", seed_},
          {"tokenizer", calibration_.tokenizer},
          {"exact_prompt_tokens", calibration_.exact},
          {"request_form_overhead_tokens", calibration_.overhead_tokens},
          {"prompt_tokens_min_raised_from",
           prompt_min_raised_from_ ? nlohmann::json(*prompt_min_raised_from_) : nlohmann::json()}};
}

std::vector<std::string> verify_prompt_lengths(const SyntheticPromptSource& source,
                                               TokenCounter& counter, int samples) {
  // Request 0, and the shortest and longest prompts among the first 64 requests.
  std::vector<std::uint64_t> indices{0};
  std::uint64_t shortest = 0;
  std::uint64_t longest = 0;
  for (std::uint64_t i = 1; i < 64; ++i) {
    if (source.prompt_tokens_for(i) < source.prompt_tokens_for(shortest)) shortest = i;
    if (source.prompt_tokens_for(i) > source.prompt_tokens_for(longest)) longest = i;
  }
  for (const std::uint64_t index : {shortest, longest}) {
    if (std::find(indices.begin(), indices.end(), index) == indices.end()) indices.push_back(index);
  }
  indices.resize(std::min(indices.size(), static_cast<std::size_t>(std::max(samples, 1))));

  std::vector<std::string> mismatches;
  for (const std::uint64_t index : indices) {
    const Prompt prompt = source.prompt_for(index);
    const std::int64_t counted = counter.count(prompt.text, source.calibration().form);
    if (counted != prompt.expected_prompt_tokens) {
      mismatches.push_back(fmt::format("request {}: asked for {} prompt tokens, {} counts {}",
                                       index, prompt.expected_prompt_tokens,
                                       source.calibration().tokenizer, counted));
    }
  }
  return mismatches;
}

}  // namespace llmpace::workload
