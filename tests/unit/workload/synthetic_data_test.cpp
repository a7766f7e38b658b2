#include "llmpace/workload/synthetic_data.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::workload;

namespace {
std::int64_t count_words(const std::string& text) {
  std::istringstream stream(text);
  std::string word;
  std::int64_t words = 0;
  while (stream >> word) ++words;
  return words;
}
}  // namespace

TEST_CASE("parse_synthetic_data reads both keys in any order") {
  auto spec = parse_synthetic_data("prompt_tokens=128,output_tokens=64");
  CHECK(spec.prompt_tokens == 128);
  CHECK(spec.output_tokens == 64);
  spec = parse_synthetic_data("output_tokens=7,prompt_tokens=3");
  CHECK(spec.prompt_tokens == 3);
  CHECK(spec.output_tokens == 7);
  spec = parse_synthetic_data("output_tokens=9");
  CHECK(spec.prompt_tokens == SyntheticDataSpec{}.prompt_tokens);
}

TEST_CASE("parse_synthetic_data rejects garbage with a message naming the problem") {
  CHECK_THROWS_WITH(parse_synthetic_data("garbage"), Catch::Contains("key=value"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=abc"), Catch::Contains("prompt_tokens"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=0"), Catch::Contains("whole number"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=-5"), Catch::Contains("whole number"));
  CHECK_THROWS_WITH(parse_synthetic_data("colour=blue"), Catch::Contains("unknown key 'colour'"));
  CHECK_THROWS_AS(parse_synthetic_data(""), ConfigError);
  CHECK_THROWS_AS(parse_synthetic_data("prompt_tokens=12x"), ConfigError);
}

TEST_CASE("synthetic prompts have the requested word count and output length") {
  const SyntheticPromptSource source({.prompt_tokens = 128, .output_tokens = 64}, 7);
  for (std::uint64_t index : {0u, 1u, 63u, 64u, 5000u}) {
    const Prompt prompt = source.prompt_for(index);
    CHECK(count_words(prompt.text) == 128);
    CHECK(prompt.approx_tokens == 128);
    CHECK(prompt.output_tokens == 64);
  }
  const SyntheticPromptSource tiny({.prompt_tokens = 2, .output_tokens = 1}, 7);
  CHECK(count_words(tiny.prompt_for(99).text) == 2);
}

TEST_CASE("synthetic prompts are deterministic per seed and unique per request") {
  const SyntheticPromptSource a({.prompt_tokens = 32, .output_tokens = 8}, 1);
  const SyntheticPromptSource b({.prompt_tokens = 32, .output_tokens = 8}, 1);
  const SyntheticPromptSource c({.prompt_tokens = 32, .output_tokens = 8}, 2);
  CHECK(a.prompt_for(5).text == b.prompt_for(5).text);
  CHECK(a.prompt_for(5).text != c.prompt_for(5).text);
  // The leading marker differs between neighbouring requests (no shared prefix to cache).
  CHECK(a.prompt_for(5).text.substr(0, 8) != a.prompt_for(6).text.substr(0, 8));
}
