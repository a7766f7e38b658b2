#include "llmpace/metrics/summary.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using llmpace::metrics::percentile_of_sorted;
using llmpace::metrics::summarize;

TEST_CASE("summary: no samples gives count 0 and zeros", "[summary]") {
  const auto summary = summarize({});
  CHECK(summary.count == 0);
  CHECK(summary.mean == 0);
  CHECK(summary.stddev == 0);
  CHECK(summary.min == 0);
  CHECK(summary.max == 0);
  CHECK(summary.p50 == 0);
  CHECK(summary.p99 == 0);
  CHECK(percentile_of_sorted({}, 50) == 0);
}

TEST_CASE("summary: one sample is every statistic", "[summary]") {
  const auto summary = summarize({7.5});
  CHECK(summary.count == 1);
  CHECK(summary.mean == 7.5);
  CHECK(summary.stddev == 0);
  CHECK(summary.min == 7.5);
  CHECK(summary.max == 7.5);
  CHECK(summary.p25 == 7.5);
  CHECK(summary.p50 == 7.5);
  CHECK(summary.p75 == 7.5);
  CHECK(summary.p90 == 7.5);
  CHECK(summary.p95 == 7.5);
  CHECK(summary.p99 == 7.5);
}

TEST_CASE("summary: odd count, unsorted input", "[summary]") {
  // Sorted {1, 2, 6}: mean 3, deviations -2 -1 3 -> variance 14/3.
  const auto summary = summarize({6, 1, 2});
  CHECK(summary.count == 3);
  CHECK(summary.mean == 3);
  CHECK(summary.stddev == Approx(std::sqrt(14.0 / 3.0)));
  CHECK(summary.min == 1);
  CHECK(summary.max == 6);
  CHECK(summary.p50 == 2);             // rank 1: the middle sample exactly
  CHECK(summary.p25 == 1.5);           // rank 0.5
  CHECK(summary.p75 == 4);             // rank 1.5
  CHECK(summary.p90 == Approx(5.2));   // rank 1.8: 2 + 0.8 * 4
  CHECK(summary.p99 == Approx(5.92));  // rank 1.98
}

TEST_CASE("summary: even count interpolates the median", "[summary]") {
  // {1, 2, 3, 4}: mean 2.5, population variance 1.25.
  const auto summary = summarize({4, 3, 2, 1});
  CHECK(summary.mean == 2.5);
  CHECK(summary.stddev == Approx(std::sqrt(1.25)));
  CHECK(summary.p50 == 2.5);            // rank 1.5
  CHECK(summary.p90 == Approx(3.7));    // rank 2.7
  CHECK(summary.p95 == Approx(3.85));   // rank 2.85
  CHECK(summary.p99 == Approx(3.97));   // rank 2.97
  CHECK(summarize({1, 2}).p50 == 1.5);  // the header's example
}

TEST_CASE("summary: p99 of 1..100 interpolates between the two top samples", "[summary]") {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  const auto summary = summarize(samples);
  CHECK(summary.count == 100);
  CHECK(summary.mean == 50.5);
  CHECK(summary.stddev == Approx(std::sqrt((100.0 * 100.0 - 1.0) / 12.0)));
  CHECK(summary.p50 == Approx(50.5));   // rank 49.5
  CHECK(summary.p90 == Approx(90.1));   // rank 89.1
  CHECK(summary.p95 == Approx(95.05));  // rank 94.05
  CHECK(summary.p99 == Approx(99.01));  // rank 98.01: 99 + 0.01 * (100 - 99)
}

TEST_CASE("summary: percentile_of_sorted ends and out-of-range q", "[summary]") {
  const std::vector<double> sorted{10, 20, 30};
  CHECK(percentile_of_sorted(sorted, 0) == 10);
  CHECK(percentile_of_sorted(sorted, 100) == 30);
  CHECK(percentile_of_sorted(sorted, 50) == 20);
  CHECK(percentile_of_sorted(sorted, 75) == 25);
  CHECK(percentile_of_sorted(sorted, -5) == 10);
  CHECK(percentile_of_sorted(sorted, 150) == 30);
}

TEST_CASE("summary: stddev stays exact for large values with a small spread", "[summary]") {
  // One-pass formulas lose these digits; two passes keep them.
  const auto summary = summarize({1e9 + 1, 1e9 + 2, 1e9 + 3});
  CHECK(summary.mean == 1e9 + 2);
  CHECK(summary.stddev == Approx(std::sqrt(2.0 / 3.0)));
}

TEST_CASE("summary: the tail percentiles p0.1 and p99.9 are exact", "[summary]") {
  std::vector<double> samples;
  for (int i = 1; i <= 1001; ++i) samples.push_back(i);
  const auto summary = llmpace::metrics::summarize(samples);
  // Ranks (n - 1) q / 100 = 1 and 999 land on samples: no interpolation.
  CHECK(summary.p0_1 == 2);
  CHECK(summary.p1 == 11);
  CHECK(summary.p5 == 51);
  CHECK(summary.p10 == 101);
  CHECK(summary.p99_9 == 1000);
  CHECK(summary.p99 == 991);
}
