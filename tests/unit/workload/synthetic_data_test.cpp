#include "llmpace/workload/synthetic_data.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "llmpace/core/error.hpp"
#include "llmpace/core/splitmix64.hpp"

using namespace llmpace;
using namespace llmpace::workload;

TEST_CASE("parse_synthetic_data reads every key in any order") {
  auto spec = parse_synthetic_data("prompt_tokens=128,output_tokens=64");
  CHECK(spec.prompt.mean == 128);
  CHECK(spec.output.mean == 64);
  spec = parse_synthetic_data("output_tokens=7,prompt_tokens=3");
  CHECK(spec.prompt.mean == 3);
  CHECK(spec.output.mean == 7);
  spec = parse_synthetic_data("output_tokens=9");
  CHECK(spec.prompt.mean == SyntheticDataSpec{}.prompt.mean);
  spec = parse_synthetic_data(
      "prompt_tokens=500,prompt_tokens_stdev=50,prompt_tokens_min=400,prompt_tokens_max=700,"
      "output_tokens=100,output_tokens_min=50,output_tokens_max=150,prefix_tokens=64,"
      "prefix_count=4");
  CHECK(spec.prompt.stdev == 50);
  CHECK(spec.prompt.lowest() == 400);
  CHECK(spec.prompt.highest() == 700);
  CHECK(spec.output.lowest() == 50);
  CHECK(spec.output.highest() == 150);
  CHECK(spec.prefix_tokens == 64);
  CHECK(spec.prefix_count == 4);
  CHECK(spec.turns == 1);
  CHECK(parse_synthetic_data("turns=5").turns == 5);
}

TEST_CASE("parse_synthetic_data rejects garbage with a message naming the problem") {
  CHECK_THROWS_WITH(parse_synthetic_data("garbage"), Catch::Contains("key=value"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=abc"), Catch::Contains("prompt_tokens"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=0"), Catch::Contains("whole number"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens=-5"), Catch::Contains("whole number"));
  CHECK_THROWS_WITH(parse_synthetic_data("colour=blue"), Catch::Contains("unknown key 'colour'"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens_sdev=3"),
                    Catch::Contains("unknown key 'prompt_tokens_sdev'"));
  CHECK_THROWS_WITH(parse_synthetic_data("prompt_tokens_min=10,prompt_tokens_max=5"),
                    Catch::Contains("prompt_tokens_min (10) is above prompt_tokens_max (5)"));
  CHECK_THROWS_WITH(
      parse_synthetic_data("prompt_tokens=10,prompt_tokens_stdev=2,prompt_tokens_min=20"),
      Catch::Contains("outside"));
  CHECK_THROWS_WITH(parse_synthetic_data("turns=0"), Catch::Contains("turns"));
  CHECK_THROWS_WITH(parse_synthetic_data("turns=1001"), Catch::Contains("at most 1000"));
  CHECK_THROWS_AS(parse_synthetic_data(""), ConfigError);
  CHECK_THROWS_AS(parse_synthetic_data("prompt_tokens=12x"), ConfigError);
}

TEST_CASE("lengths follow GuideLLM's sampler: fixed then uniform then clamped normal") {
  const auto draws = [](const LengthSpec& spec, int count) {
    std::vector<std::int64_t> values;
    for (int i = 0; i < count; ++i) {
      values.push_back(spec.sample(splitmix64(2 * i), splitmix64(2 * i + 1)));
    }
    return values;
  };
  for (const auto value : draws(fixed_length(42), 100)) CHECK(value == 42);

  LengthSpec uniform = fixed_length(100);
  uniform.min = 10;
  uniform.max = 13;
  std::map<std::int64_t, int> seen;
  for (const auto value : draws(uniform, 4000)) ++seen[value];
  REQUIRE(seen.size() == 4);  // 10, 11, 12 and 13, about 1000 each
  for (const auto& [value, times] : seen) {
    CHECK(value >= 10);
    CHECK(value <= 13);
    CHECK(times > 850);
  }

  LengthSpec normal = fixed_length(500);
  normal.stdev = 50;
  normal.min = 420;
  const auto values = draws(normal, 20000);
  double sum = 0;
  double squares = 0;
  for (const auto value : values) {
    CHECK(value >= 420);
    CHECK(value <= 750);  // mean + 5 stdev
    sum += static_cast<double>(value);
  }
  const double mean = sum / static_cast<double>(values.size());
  for (const auto value : values) squares += std::pow(static_cast<double>(value) - mean, 2);
  CHECK(mean == Approx(500).margin(2.5));  // clamping at 420 (-1.6 sd) lifts it a little
  CHECK(std::sqrt(squares / static_cast<double>(values.size())) == Approx(47).margin(3));
}
