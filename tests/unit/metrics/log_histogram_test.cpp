#include "llmpace/metrics/log_histogram.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/core/random.hpp"
#include "llmpace/metrics/summary.hpp"

using namespace llmpace;
using llmpace::metrics::LogHistogram;
using llmpace::metrics::percentile_of_sorted;

namespace {

// Quantiles checked everywhere: the ends, the report's percentiles, and off-grid ranks.
const std::vector<double> kQuantiles{0,     0.001, 0.01, 0.05, 0.1,  0.25,  0.333, 0.5,
                                     0.618, 0.75,  0.9,  0.95, 0.99, 0.999, 1};

/// Floating-point slack on top of the stated error (the interpolation rounds).
constexpr double kRoundingSlack = 1e-12;

/// Every quantile of `histogram` within its stated relative error of the exact type-7 percentile
/// of `values` (with an absolute allowance of the zero floor when values lie below it).
void check_quantiles(const LogHistogram& histogram, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  REQUIRE(histogram.count() == values.size());
  const double error = histogram.relative_error();
  const double floor_allowance =
      values.front() < histogram.zero_floor() ? histogram.zero_floor() : 0.0;
  for (const double q : kQuantiles) {
    const double exact = percentile_of_sorted(values, q * 100);
    const double estimate = histogram.quantile(q);
    INFO("q " << q << " exact " << exact << " estimate " << estimate);
    const double allowed = exact * (error + kRoundingSlack) + floor_allowance;
    CHECK(std::abs(estimate - exact) <= allowed);
  }
  CHECK(histogram.quantile(0) == values.front());
  CHECK(histogram.quantile(1) == values.back());
}

LogHistogram histogram_of(const std::vector<double>& values, double relative_error = 1e-3) {
  LogHistogram histogram(relative_error);
  for (const double value : values) histogram.record(value);
  return histogram;
}

/// The JSON form without the sum, which depends on the order of the additions.
nlohmann::json without_sum(const LogHistogram& histogram) {
  nlohmann::json json = histogram.to_json();
  json.erase("sum");
  return json;
}

}  // namespace

TEST_CASE("log histogram: the default precision is 2^-10, within 0.1 %", "[log_histogram]") {
  const LogHistogram histogram;
  CHECK(histogram.sub_bucket_bits() == 9);
  CHECK(histogram.relative_error() == std::ldexp(1.0, -10));
  CHECK(histogram.zero_floor() == 1e-6);
  CHECK(LogHistogram(0.01).relative_error() == std::ldexp(1.0, -7));  // 2^-7 <= 0.01 < 2^-6
  CHECK(LogHistogram(0.5).sub_bucket_bits() == 0);
  CHECK_THROWS_AS(LogHistogram(0), std::invalid_argument);
  CHECK_THROWS_AS(LogHistogram(0.6), std::invalid_argument);
  CHECK_THROWS_AS(LogHistogram(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(LogHistogram(1e-3, 0), std::invalid_argument);
  CHECK_THROWS_AS(LogHistogram(1e-3, std::numeric_limits<double>::infinity()),
                  std::invalid_argument);
}

TEST_CASE("log histogram: empty gives zeros", "[log_histogram]") {
  const LogHistogram histogram;
  CHECK(histogram.count() == 0);
  CHECK(histogram.sum() == 0);
  CHECK(histogram.mean() == 0);
  CHECK(histogram.min() == 0);
  CHECK(histogram.max() == 0);
  CHECK(histogram.quantile(0.5) == 0);
  CHECK(histogram.allocated_buckets() == 0);
}

TEST_CASE("log histogram: count, sum, mean and extremes are exact", "[log_histogram]") {
  LogHistogram histogram;
  for (const double value : {12.5, 3.25, 800.0, 0.0}) histogram.record(value);
  histogram.record(2.0, 3);
  CHECK(histogram.count() == 7);
  CHECK(histogram.sum() == 12.5 + 3.25 + 800.0 + 6.0);
  CHECK(histogram.mean() == histogram.sum() / 7);
  CHECK(histogram.min() == 0.0);
  CHECK(histogram.max() == 800.0);
  // A count of zero records nothing.
  histogram.record(1e9, 0);
  CHECK(histogram.count() == 7);
  CHECK(histogram.max() == 800.0);
}

TEST_CASE("log histogram: record with a count equals recording one at a time", "[log_histogram]") {
  LogHistogram repeated;
  LogHistogram counted;
  for (int i = 0; i < 5; ++i) repeated.record(42.0);
  counted.record(42.0, 5);
  CHECK(counted.to_json() == repeated.to_json());
}

TEST_CASE("log histogram: quantiles of one and two samples are type 7", "[log_histogram]") {
  const LogHistogram one = histogram_of({7.5});
  CHECK(one.quantile(0) == 7.5);
  CHECK(one.quantile(0.5) == 7.5);
  CHECK(one.quantile(1) == 7.5);
  // p50 of {1, 2} is 1.5, as percentile_of_sorted: both samples are extremes, so exact.
  const LogHistogram two = histogram_of({2, 1});
  CHECK(two.quantile(0.5) == 1.5);
  CHECK(two.quantile(0.25) == 1.25);
  // Out-of-range and NaN ranks are clamped as percentile_of_sorted clamps them.
  CHECK(two.quantile(-1) == 1);
  CHECK(two.quantile(2) == 2);
  CHECK(two.quantile(std::nan("")) == 1);
}

TEST_CASE("log histogram: random values are within the stated error of exact percentiles",
          "[log_histogram]") {
  Rng rng(16);
  for (const double relative_error : {1e-3, 1e-2, 0.1, 1e-4}) {
    for (const std::size_t n : {std::size_t{1001}, std::size_t{1000}, std::size_t{20'000}}) {
      std::vector<double> uniform;
      std::vector<double> log_normal;
      std::vector<double> exponential_ms;
      for (std::size_t i = 0; i < n; ++i) {
        uniform.push_back(1 + 999 * uniform_unit(rng));
        log_normal.push_back(50 * std::exp(2 * standard_normal(rng)));
        exponential_ms.push_back(10 * exponential(rng));
      }
      INFO("relative error " << relative_error << ", " << n << " values");
      check_quantiles(histogram_of(uniform, relative_error), uniform);
      check_quantiles(histogram_of(log_normal, relative_error), log_normal);
      check_quantiles(histogram_of(exponential_ms, relative_error), exponential_ms);
    }
  }
}

TEST_CASE("log histogram: every bucket's edges are within the stated error", "[log_histogram]") {
  // The middle of three samples is the one quantile(0.5) takes from its bucket (the other two are
  // the exact extremes): each bucket's lower edge, its last double below the upper edge, and
  // its middle, over octaves from 2^-19 to 2^40.
  for (const double relative_error : {1e-3, 0.05}) {
    const LogHistogram probe(relative_error);
    const int sub_buckets = 1 << probe.sub_bucket_bits();
    for (int exponent = -19; exponent <= 40; exponent += 3) {
      for (int sub = 0; sub < sub_buckets; sub += std::max(1, sub_buckets / 37)) {
        const double lower = std::ldexp(1.0 + static_cast<double>(sub) / sub_buckets, exponent);
        const double upper = std::ldexp(1.0 + static_cast<double>(sub + 1) / sub_buckets, exponent);
        for (const double value : {lower, std::nextafter(upper, 0.0), (lower + upper) / 2}) {
          const LogHistogram histogram =
              histogram_of({value / 4, value, value * 4}, relative_error);
          INFO("value " << value << " estimate " << histogram.quantile(0.5));
          CHECK(std::abs(histogram.quantile(0.5) - value) <=
                value * (histogram.relative_error() + kRoundingSlack));
        }
      }
    }
  }
}

TEST_CASE("log histogram: adversarial sets", "[log_histogram]") {
  // Identical values, powers of two, a gap of nine orders the median falls into, durations of
  // days in milliseconds next to microseconds, and values a hair either side of bucket edges.
  std::vector<std::vector<double>> sets;
  sets.push_back(std::vector<double>(999, 3.0));
  std::vector<double> powers;
  for (int e = -19; e <= 40; ++e) powers.push_back(std::ldexp(1.0, e));
  sets.push_back(powers);
  std::vector<double> gap(500, 1.0);
  gap.insert(gap.end(), 500, 1e9);
  sets.push_back(gap);
  sets.push_back({1e-3, 0.5, 86'400'000.0 * 3, 1e-3, 7.0, 1e8});
  std::vector<double> edges;
  for (int s = 0; s < 512; s += 7) {
    const double edge = std::ldexp(1.0 + s / 512.0, 6);
    edges.insert(edges.end(), {std::nextafter(edge, 0.0), edge, std::nextafter(edge, 1e9)});
  }
  sets.push_back(edges);
  for (const auto& values : sets) {
    INFO("set of " << values.size() << " values from " << values.front());
    check_quantiles(histogram_of(values), values);
  }
}

TEST_CASE("log histogram: zero and values below the floor go to the zero bucket",
          "[log_histogram]") {
  const std::vector<double> values{0.0, 0.0, 1e-9, 5e-7, 1e-6, 2.0, 3.0};
  const LogHistogram histogram = histogram_of(values);
  CHECK(histogram.to_json()["zero_count"] == 4);  // 1e-6 is the floor itself: bucketed
  CHECK(histogram.min() == 0.0);
  CHECK(histogram.quantile(0) == 0.0);
  CHECK(histogram.quantile(1) == 3.0);
  check_quantiles(histogram, values);
  CHECK(histogram.quantile(0.5) == 0.0);  // rank 3 is 5e-7, in the zero bucket: its min

  const LogHistogram zeros = histogram_of({0.0, 0.0, 0.0});
  CHECK(zeros.quantile(0.5) == 0.0);
  CHECK(zeros.allocated_buckets() == 0);
}

TEST_CASE("log histogram: negative and non-finite values are refused", "[log_histogram]") {
  LogHistogram histogram;
  CHECK_THROWS_AS(histogram.record(-1.0), std::invalid_argument);
  CHECK_THROWS_AS(histogram.record(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(histogram.record(std::numeric_limits<double>::infinity()), std::invalid_argument);
  CHECK(histogram.count() == 0);
}

TEST_CASE("log histogram: buckets grow by whole octaves, then record allocates nothing",
          "[log_histogram]") {
  LogHistogram histogram;
  histogram.record(1.0);
  CHECK(histogram.allocated_buckets() == 512);
  histogram.record(1.999);
  CHECK(histogram.allocated_buckets() == 512);
  // 1 ms to 10 s: octaves 2^0 to 2^13, 14 of them.
  histogram.record(10'000.0);
  CHECK(histogram.allocated_buckets() == 14 * 512);
  Rng rng(17);
  for (int i = 0; i < 100'000; ++i) histogram.record(1 + 9'999 * uniform_unit(rng));
  CHECK(histogram.allocated_buckets() == 14 * 512);
  histogram.record(0.25);  // two octaves below
  CHECK(histogram.allocated_buckets() == 16 * 512);
}

TEST_CASE("log histogram: a merge equals recording the union", "[log_histogram]") {
  Rng rng(18);
  std::vector<double> first;
  std::vector<double> second;
  for (int i = 0; i < 5'000; ++i) first.push_back(20 * std::exp(standard_normal(rng)));
  for (int i = 0; i < 3'001; ++i) second.push_back(1e-7 + 1e4 * uniform_unit(rng));  // wider
  second.push_back(0.0);
  std::vector<double> both = first;
  both.insert(both.end(), second.begin(), second.end());

  LogHistogram merged = histogram_of(first);
  merged.merge(histogram_of(second));
  const LogHistogram union_histogram = histogram_of(both);
  CHECK(without_sum(merged) == without_sum(union_histogram));
  CHECK(merged.sum() == Approx(union_histogram.sum()).epsilon(1e-12));
  for (const double q : kQuantiles) CHECK(merged.quantile(q) == union_histogram.quantile(q));
  check_quantiles(merged, both);

  // Into an empty histogram, and of an empty one.
  LogHistogram from_empty;
  from_empty.merge(union_histogram);
  CHECK(from_empty.to_json() == union_histogram.to_json());
  from_empty.merge(LogHistogram{});
  CHECK(from_empty.to_json() == union_histogram.to_json());
}

TEST_CASE("log histogram: a merge of different precisions or floors is refused",
          "[log_histogram]") {
  LogHistogram fine = histogram_of({1, 2, 3});
  CHECK_THROWS_AS(fine.merge(histogram_of({1}, 1e-2)), ConfigError);
  CHECK_THROWS_WITH(fine.merge(LogHistogram(1e-3, 1e-3)), Catch::Contains("different precision"));
  CHECK(fine.count() == 3);
}

TEST_CASE("log histogram: JSON keeps only non-empty buckets and round-trips", "[log_histogram]") {
  LogHistogram histogram;
  for (const double value : {1.0, 1.0, 1.001, 1.003, 1000.0, 0.0}) histogram.record(value);
  const nlohmann::json json = histogram.to_json();
  // 1.0 and 1.001 share bucket 0 (width 1/512), 1.003 is in bucket 1, 1000 = 2^9 * 1.953125 is
  // bucket 9 * 512 + 488.
  CHECK(json["buckets"] == nlohmann::json::parse("[[0, 3, 1], [5096, 1]]"));
  CHECK(json["zero_count"] == 1);
  CHECK(json["count"] == 6);

  Rng rng(19);
  LogHistogram large;
  for (int i = 0; i < 10'000; ++i) large.record(5 * std::exp(3 * standard_normal(rng)));
  large.record(0.0);
  for (const LogHistogram* original : {&histogram, &large}) {
    // Through text, as a report file would carry it.
    const LogHistogram read =
        LogHistogram::from_json(nlohmann::json::parse(original->to_json().dump()));
    CHECK(read.to_json() == original->to_json());
    CHECK(read.count() == original->count());
    CHECK(read.sum() == original->sum());
    CHECK(read.min() == original->min());
    CHECK(read.max() == original->max());
    for (const double q : kQuantiles) CHECK(read.quantile(q) == original->quantile(q));
  }
  const LogHistogram empty = LogHistogram::from_json(LogHistogram(0.01).to_json());
  CHECK(empty.count() == 0);
  CHECK(empty.relative_error() == LogHistogram(0.01).relative_error());
}

TEST_CASE("log histogram: malformed JSON is a ConfigError naming the field", "[log_histogram]") {
  const nlohmann::json good = histogram_of({1.0, 2.0, 2.0, 500.0}).to_json();
  const auto broken = [&](auto change) {
    nlohmann::json json = good;
    change(json);
    return json;
  };
  CHECK_NOTHROW(LogHistogram::from_json(good));
  CHECK_THROWS_WITH(LogHistogram::from_json(broken([](auto& j) { j.erase("count"); })),
                    Catch::Contains("'count' is missing"));
  CHECK_THROWS_WITH(LogHistogram::from_json(broken([](auto& j) { j["count"] = 5; })),
                    Catch::Contains("'count'"));
  CHECK_THROWS_WITH(LogHistogram::from_json(broken([](auto& j) { j["buckets"][0].push_back(0); })),
                    Catch::Contains("empty bucket"));
  CHECK_THROWS_WITH(
      LogHistogram::from_json(broken([](auto& j) { j["buckets"].push_back(j["buckets"][0]); })),
      Catch::Contains("out of order"));
  CHECK_THROWS_WITH(
      LogHistogram::from_json(broken([](auto& j) { j["buckets"][0][0] = -1'000'000; })),
      Catch::Contains("below the zero floor"));
  CHECK_THROWS_WITH(LogHistogram::from_json(broken([](auto& j) { j["sub_bucket_bits"] = 8; })),
                    Catch::Contains("relative_error"));
  CHECK_THROWS_WITH(LogHistogram::from_json(broken([](auto& j) { j["min"] = 600.0; })),
                    Catch::Contains("'min'"));
  CHECK_THROWS_AS(LogHistogram::from_json(nlohmann::json::array()), ConfigError);
}

TEST_CASE("log histogram: recording a span equals recording one value at a time",
          "[log_histogram]") {
  // Zeros, values below the floor, and values below and above the octaves seen so far, so that
  // the buckets grow in the middle of a span, at both ends.
  Rng rng(20);
  std::vector<double> values{3.0, 0.0, 5e-7, 1e-6, 1e6, 0.001, 3.0, 7.5e9, 0.0};
  for (int i = 0; i < 1'000; ++i) values.push_back(20 * std::exp(3 * standard_normal(rng)));
  values.push_back(1e-5);

  for (const std::size_t span_size :
       {std::size_t{1}, std::size_t{7}, std::size_t{64}, values.size()}) {
    INFO("spans of " << span_size);
    LogHistogram one_at_a_time = histogram_of({2.0});
    LogHistogram by_span = histogram_of({2.0});
    for (const double value : values) one_at_a_time.record(value);
    const std::span<const double> all(values);
    for (std::size_t begin = 0; begin < all.size(); begin += span_size) {
      by_span.record(all.subspan(begin, std::min(span_size, all.size() - begin)));
    }
    CHECK(by_span.to_json() == one_at_a_time.to_json());  // the sum too, to the bit
    CHECK(by_span.count() == one_at_a_time.count());
    CHECK(by_span.sum() == one_at_a_time.sum());
    CHECK(by_span.min() == 0.0);
    CHECK(by_span.max() == 7.5e9);
    CHECK(by_span.allocated_buckets() == one_at_a_time.allocated_buckets());
    for (const double q : kQuantiles) CHECK(by_span.quantile(q) == one_at_a_time.quantile(q));
  }

  // An empty span records nothing, on an empty histogram too.
  LogHistogram empty;
  empty.record(std::span<const double>());
  CHECK(empty.to_json() == LogHistogram().to_json());
  CHECK(empty.min() == 0);
}

TEST_CASE("log histogram: a span with a value refused records none of it", "[log_histogram]") {
  for (const double bad : {-1.0, -std::numeric_limits<double>::infinity(), std::nan(""),
                           std::numeric_limits<double>::infinity()}) {
    INFO("refused value " << bad);
    LogHistogram histogram = histogram_of({1.0, 2.0});
    const nlohmann::json before = histogram.to_json();
    const std::vector<double> values{5.0, 0.5, bad, 9.0};
    CHECK_THROWS_AS(histogram.record(std::span<const double>(values)), std::invalid_argument);
    CHECK(histogram.to_json() == before);
    CHECK(histogram.count() == 2);
    CHECK(histogram.max() == 2.0);
  }
}
