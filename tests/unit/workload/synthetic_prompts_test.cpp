#include "llmpace/workload/synthetic_prompts.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "llmpace/core/error.hpp"
#include "llmpace/core/fnv1a.hpp"
#include "llmpace/workload/word_calibration.hpp"

using namespace llmpace;
using namespace llmpace::workload;

namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

// A tokenizer like a server's: words split at spaces; words of more than 5 letters are two
// tokens; a text's first word costs one more (no leading space); completions add BOS and chat a
// 7-token template. Counts every call.
class FakeCounter final : public TokenCounter {
 public:
  std::int64_t count(std::string_view text, PromptForm form) override {
    ++calls_;
    std::int64_t tokens = 0;
    const auto words = split_words(std::string(text));
    for (std::size_t i = 0; i < words.size(); ++i) {
      tokens += words[i].size() > 5 ? 2 : 1;
      if (i == 0 && words[i].size() > 3) ++tokens;
    }
    if (form == PromptForm::completion) tokens += 1;
    if (form == PromptForm::chat) tokens += 7;
    return tokens;
  }
  [[nodiscard]] bool exact(PromptForm) const override { return true; }
  [[nodiscard]] std::string description() const override { return "fake"; }
  [[nodiscard]] std::int64_t calls() const override { return calls_; }

 private:
  std::int64_t calls_ = 0;
};

SyntheticDataSpec spec_of(const std::string& text) { return parse_synthetic_data(text); }

}  // namespace

TEST_CASE("calibration keeps one-token words and measures what the form adds") {
  FakeCounter counter;
  const WordCalibration chat = calibrate_words(counter, PromptForm::chat);
  CHECK(chat.exact);
  CHECK(chat.overhead_tokens == 7);
  for (const auto& word : chat.words) CHECK(word.size() <= 5);
  CHECK(chat.words.size() >= 16);
  CHECK(chat.lead.size() <= 3);
  CHECK(chat.calls < 140);  // bounded: no call per prompt
  CHECK(calibrate_words(counter, PromptForm::completion).overhead_tokens == 1);
  CHECK(calibrate_words(counter, PromptForm::bare).overhead_tokens == 0);
}

TEST_CASE("synthetic prompts have exactly the tokens asked for under the counter") {
  FakeCounter counter;
  for (const PromptForm form : {PromptForm::chat, PromptForm::completion}) {
    const WordCalibration calibration = calibrate_words(counter, form);
    const SyntheticPromptSource source(
        spec_of("prompt_tokens=300,prompt_tokens_stdev=80,prompt_tokens_min=20,output_tokens=9"), 7,
        calibration);
    const std::int64_t calls_before = counter.calls();
    for (std::uint64_t index = 0; index < 200; ++index) {
      const Prompt prompt = source.prompt_for(index);
      INFO(index);
      CHECK(counter.count(prompt.text, form) == prompt.expected_prompt_tokens);
      CHECK(prompt.expected_prompt_tokens == source.prompt_tokens_for(index));
      CHECK(prompt.output_tokens == 9);
    }
    CHECK(counter.calls() - calls_before == 200);  // the checks here, none by the source
    CHECK(verify_prompt_lengths(source, counter).empty());
  }
}

TEST_CASE("synthetic prompts are deterministic per seed and unique per request") {
  FakeCounter counter;
  const WordCalibration calibration = calibrate_words(counter, PromptForm::completion);
  const SyntheticPromptSource a(spec_of("prompt_tokens=32"), 1, calibration);
  const SyntheticPromptSource b(spec_of("prompt_tokens=32"), 1, calibration);
  const SyntheticPromptSource c(spec_of("prompt_tokens=32"), 2, calibration);
  CHECK(a.prompt_for(5).text == b.prompt_for(5).text);
  CHECK(a.prompt_for(5).text != c.prompt_for(5).text);
  // The marker (words 2 to 5) differs between any two of the first requests.
  std::set<std::vector<std::string>> markers;
  for (std::uint64_t index = 0; index < 5000; ++index) {
    const auto words = split_words(a.prompt_for(index).text);
    markers.insert({words.begin() + 1, words.begin() + 5});
  }
  CHECK(markers.size() == 5000);
}

TEST_CASE("a seed's synthetic prompts are the same text from one version to the next") {
  // A benchmark is repeatable across llmpace versions only if its prompts are: these hashes were
  // taken from the implementation before the words were written in blocks. Lengths below and
  // above a block of words, and prompts behind a shared prefix.
  FakeCounter counter;
  const WordCalibration calibration = calibrate_words(counter, PromptForm::completion);
  const SyntheticPromptSource short_prompts(spec_of("prompt_tokens=32"), 7, calibration);
  const SyntheticPromptSource long_prompts(spec_of("prompt_tokens=1500"), 7, calibration);
  const SyntheticPromptSource prefixed(spec_of("prompt_tokens=40,prefix_tokens=700,prefix_count=2"),
                                       7, calibration);
  CHECK(fnv1a64(short_prompts.prompt_for(0).text) == 0xfdc328a09c8bc670u);
  CHECK(fnv1a64(short_prompts.prompt_for(12345).text) == 0x04462fe4449e7934u);
  CHECK(fnv1a64(long_prompts.prompt_for(3).text) == 0x0588180f4633d3cau);
  CHECK(fnv1a64(prefixed.prompt_for(0).text) == 0x22be5e9563f15c8au);
  CHECK(fnv1a64(prefixed.prompt_for(1).text) == 0xebb1731b2af0dc34u);
}

TEST_CASE("shared prefixes: prefix_count groups share their first prefix_tokens tokens") {
  FakeCounter counter;
  const WordCalibration calibration = calibrate_words(counter, PromptForm::chat);
  const SyntheticPromptSource source(
      spec_of("prompt_tokens=100,prefix_tokens=64,prefix_count=3,output_tokens=4"), 3, calibration);
  const auto prefix_of = [&](std::uint64_t index) {
    const auto words = split_words(source.prompt_for(index).text);
    return std::vector<std::string>(words.begin(), words.begin() + 64);
  };
  CHECK(prefix_of(0) == prefix_of(3));
  CHECK(prefix_of(1) == prefix_of(4));
  CHECK(prefix_of(0) != prefix_of(1));
  CHECK(prefix_of(1) != prefix_of(2));
  CHECK(source.prompt_for(0).text != source.prompt_for(3).text);
  for (std::uint64_t index = 0; index < 6; ++index) {
    const Prompt prompt = source.prompt_for(index);
    CHECK(prompt.expected_prompt_tokens == 164);
    CHECK(counter.count(prompt.text, PromptForm::chat) == 164);
  }
}

TEST_CASE("a prompt shorter than the request form's own tokens is refused before load") {
  FakeCounter counter;
  const WordCalibration chat = calibrate_words(counter, PromptForm::chat);
  CHECK_THROWS_WITH(SyntheticPromptSource(spec_of("prompt_tokens=7"), 1, chat),
                    Catch::Contains("adds 7 tokens by itself"));
  CHECK_NOTHROW(SyntheticPromptSource(spec_of("prompt_tokens=8"), 1, chat));
  CHECK_THROWS_WITH(
      SyntheticPromptSource(spec_of("prompt_tokens=64,prefix_tokens=100000,prefix_count=1000"), 1,
                            chat),
      Catch::Contains("shared prefixes"));
}

TEST_CASE("an approximate counter is not called and counts a word as a token") {
  ApproxTokenCounter approx;
  const WordCalibration calibration = calibrate_words(approx, PromptForm::chat);
  CHECK_FALSE(calibration.exact);
  CHECK(calibration.overhead_tokens == 0);
  const SyntheticPromptSource source(spec_of("prompt_tokens=50"), 1, calibration);
  CHECK(split_words(source.prompt_for(0).text).size() == 50);
  CHECK(approx.count("abcdefgh", PromptForm::bare) == 2);
  CHECK(approx.count("h\xc3\xa9llo", PromptForm::bare) == 2);  // 5 code points
}
