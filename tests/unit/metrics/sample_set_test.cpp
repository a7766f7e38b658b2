#include "llmpace/metrics/sample_set.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "llmpace/metrics/log_histogram.hpp"
#include "llmpace/metrics/summary.hpp"

using llmpace::metrics::DistributionSummary;
using llmpace::metrics::kPercentileFields;
using llmpace::metrics::LogHistogram;
using llmpace::metrics::PercentileField;
using llmpace::metrics::SampleSet;

namespace {

constexpr std::size_t kLimit = SampleSet::kExactSampleLimit;
constexpr std::size_t kBatch = SampleSet::kBatchSize;

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

/// `samples` as the set's histogram records them, one at a time: a negative one as 0.
LogHistogram histogram_of(const std::vector<double>& samples) {
  LogHistogram histogram;
  for (const double sample : samples) histogram.record(std::max(sample, 0.0));
  return histogram;
}

/// The JSON form without the sum, which depends on the order of the additions.
nlohmann::json without_sum(const LogHistogram& histogram) {
  nlohmann::json json = histogram.to_json();
  json.erase("sum");
  return json;
}

/// A set past the limit against the exact summary of its samples: count and extremes exact,
/// moments up to rounding, every sample in the histogram.
void require_close(const SampleSet& set, const std::vector<double>& samples) {
  const DistributionSummary summary = set.summarize();
  const DistributionSummary exact = llmpace::metrics::summarize(samples);
  REQUIRE_FALSE(summary.percentiles_exact);
  REQUIRE(set.count() == samples.size());
  REQUIRE(summary.count == samples.size());
  REQUIRE(summary.min == exact.min);
  REQUIRE(summary.max == exact.max);
  REQUIRE(summary.mean == Approx(exact.mean).epsilon(1e-12));
  REQUIRE(summary.stddev == Approx(exact.stddev).epsilon(1e-9));
  const LogHistogram histogram = set.histogram();
  REQUIRE(histogram.count() == samples.size());
  REQUIRE(without_sum(histogram) == without_sum(histogram_of(samples)));
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

TEST_CASE("sample set: past the limit by any count, no sample pending is lost", "[sample_set]") {
  // Counts that leave the pending buffer with one sample, one short of full, full, and one past.
  for (const std::size_t extra : {std::size_t{1}, kBatch - 1, kBatch, kBatch + 1, 3 * kBatch + 5}) {
    INFO("samples past the limit " << extra);
    const std::vector<double> samples = spread_samples(kLimit + extra, 5);
    const SampleSet set = set_of(samples);
    REQUIRE_FALSE(set.exact());
    require_close(set, samples);
    // Added in order to one histogram, the set's histogram is the same to the bit, sum included.
    REQUIRE(set.histogram().to_json() == histogram_of(samples).to_json());
  }
}

TEST_CASE("sample set: extremes among the pending samples are reported", "[sample_set]") {
  std::vector<double> samples = spread_samples(kLimit + kBatch + 3, 6);
  samples.push_back(1e7);   // the largest, pending
  samples.push_back(-5.0);  // the smallest, pending; the histogram records 0
  samples.push_back(2.0);
  const SampleSet set = set_of(samples);
  const DistributionSummary summary = set.summarize();
  REQUIRE(summary.max == 1e7);
  REQUIRE(summary.min == -5.0);
  require_close(set, samples);
  REQUIRE(set.histogram().max() == 1e7);
  REQUIRE(set.histogram().min() == 0.0);
  REQUIRE(set.histogram().quantile(1) == 1e7);
}

TEST_CASE("sample set: summarising leaves the set as it was, and adding goes on", "[sample_set]") {
  std::vector<double> samples = spread_samples(kLimit + 10, 7);
  SampleSet set = set_of(samples);
  const DistributionSummary first = set.summarize();
  require_identical(set.summarize(), first);
  REQUIRE(set.histogram().to_json() == set.histogram().to_json());
  for (const double sample : spread_samples(2 * kBatch, 8)) {
    samples.push_back(sample);
    set.add(sample);
  }
  require_close(set, samples);
}

TEST_CASE("sample set: a merge takes both sides' pending samples", "[sample_set]") {
  const std::vector<double> first = spread_samples(kLimit + 7, 9);
  const std::vector<double> second = spread_samples(kLimit + kBatch + 33, 10);
  const std::vector<double> small = spread_samples(kBatch + 1, 11);  // exact
  const auto joined = [](std::vector<double> a, const std::vector<double>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };

  SampleSet both = set_of(first);
  both.merge(set_of(second));
  REQUIRE(both.count() == first.size() + second.size());
  require_close(both, joined(first, second));

  // Adding after a merge, and merging an exact set into one past the limit and the other way.
  SampleSet more = std::move(both);
  for (const double sample : small) more.add(sample);
  require_close(more, joined(joined(first, second), small));

  SampleSet into_past = set_of(first);
  into_past.merge(set_of(small));
  require_close(into_past, joined(first, small));
  SampleSet into_exact = set_of(small);
  into_exact.merge(set_of(first));
  require_close(into_exact, joined(small, first));
}
