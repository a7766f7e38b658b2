#include "llmpace/metrics/sample_set.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "llmpace/metrics/summary.hpp"

using llmpace::metrics::DistributionSummary;
using llmpace::metrics::kPercentileFields;
using llmpace::metrics::PercentileField;
using llmpace::metrics::SampleSet;

namespace {

constexpr std::size_t kLimit = SampleSet::kExactSampleLimit;

/// `count` deterministic samples spread over four decades (1 ms to 10 s), in no order.
std::vector<double> spread_samples(std::size_t count, std::uint64_t seed = 1) {
  std::vector<double> samples;
  samples.reserve(count);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double unit = static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
    samples.push_back(std::pow(10.0, 4.0 * unit));
  }
  return samples;
}

SampleSet set_of(const std::vector<double>& samples) {
  SampleSet set;
  for (const double sample : samples) set.add(sample);
  return set;
}

void require_identical(const DistributionSummary& actual, const DistributionSummary& expected) {
  REQUIRE(actual.count == expected.count);
  REQUIRE(actual.mean == expected.mean);
  REQUIRE(actual.stddev == expected.stddev);
  REQUIRE(actual.min == expected.min);
  REQUIRE(actual.max == expected.max);
  for (const PercentileField& field : kPercentileFields) {
    INFO(field.name);
    REQUIRE(actual.*field.member == expected.*field.member);
  }
  REQUIRE(actual.percentiles_exact == expected.percentiles_exact);
}

}  // namespace

TEST_CASE("sample set: up to the limit, the summary of the samples themselves", "[sample_set]") {
  for (const std::size_t count : {std::size_t{1}, std::size_t{1000}, kLimit}) {
    INFO("samples " << count);
    const std::vector<double> samples = spread_samples(count);
    const SampleSet set = set_of(samples);
    REQUIRE(set.exact());
    require_identical(set.summarize(), llmpace::metrics::summarize(samples));
  }
}

TEST_CASE("sample set: past the limit, percentiles within the histogram's error", "[sample_set]") {
  std::vector<double> samples = spread_samples(kLimit + 5000);
  const SampleSet set = set_of(samples);
  REQUIRE_FALSE(set.exact());
  const DistributionSummary summary = set.summarize();
  const DistributionSummary exact = llmpace::metrics::summarize(samples);
  REQUIRE_FALSE(summary.percentiles_exact);
  REQUIRE(summary.count == samples.size());
  REQUIRE(summary.min == exact.min);
  REQUIRE(summary.max == exact.max);
  REQUIRE(summary.mean == Approx(exact.mean).epsilon(1e-12));
  REQUIRE(summary.stddev == Approx(exact.stddev).epsilon(1e-9));
  const double error = set.histogram().relative_error();
  for (const PercentileField& field : kPercentileFields) {
    INFO(field.name << " exact " << exact.*field.member << " from histogram "
                    << summary.*field.member);
    REQUIRE(std::abs(summary.*field.member - exact.*field.member) <=
            exact.*field.member * (error + 1e-12));
  }
  REQUIRE(set.histogram().count() == samples.size());
}

TEST_CASE("sample set: a merge is exact exactly when the union is within the limit",
          "[sample_set]") {
  const std::vector<double> first = spread_samples(kLimit / 2, 1);
  const std::vector<double> second = spread_samples(kLimit / 2, 2);
  std::vector<double> both = first;
  both.insert(both.end(), second.begin(), second.end());

  SampleSet merged = set_of(first);
  merged.merge(set_of(second));
  REQUIRE(merged.exact());
  require_identical(merged.summarize(), llmpace::metrics::summarize(both));

  // One more sample on either side makes the union too large: the same verdict either way.
  SampleSet over = set_of(first);
  over.add(1.0);
  over.merge(set_of(second));
  REQUIRE_FALSE(over.exact());
  REQUIRE(over.count() == kLimit + 1);
  SampleSet other_way = set_of(second);
  other_way.merge(std::move(over));
  REQUIRE_FALSE(other_way.exact());
  REQUIRE(other_way.histogram().count() == kLimit + 1 + kLimit / 2);
}

TEST_CASE("sample set: merged running moments equal those of the union", "[sample_set]") {
  const std::vector<double> first = spread_samples(kLimit, 3);
  const std::vector<double> second = spread_samples(kLimit / 3, 4);
  std::vector<double> both = first;
  both.insert(both.end(), second.begin(), second.end());
  SampleSet merged = set_of(first);
  merged.merge(set_of(second));
  const DistributionSummary summary = merged.summarize();
  const DistributionSummary exact = llmpace::metrics::summarize(both);
  REQUIRE_FALSE(summary.percentiles_exact);
  REQUIRE(summary.count == both.size());
  REQUIRE(summary.mean == Approx(exact.mean).epsilon(1e-12));
  REQUIRE(summary.stddev == Approx(exact.stddev).epsilon(1e-9));
  REQUIRE(summary.min == exact.min);
  REQUIRE(summary.max == exact.max);
}

TEST_CASE("sample set: a negative sample is kept as it is, its histogram records 0",
          "[sample_set]") {
  SampleSet set;
  set.add(-2.0);
  set.add(3.0);
  const DistributionSummary summary = set.summarize();
  REQUIRE(summary.min == -2.0);
  REQUIRE(set.histogram().min() == 0.0);
}
