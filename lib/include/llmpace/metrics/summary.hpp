// DistributionSummary: count, mean, standard deviation, extremes and exact percentiles of a set
// of samples. Percentiles interpolate linearly between the two closest ranks (NumPy's default,
// "linear" / Hyndman–Fan type 7), so p50 of {1, 2} is 1.5. An empty set gives count 0 and zeros.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace llmpace::metrics {

struct DistributionSummary {
  std::size_t count = 0;
  double mean = 0;
  double stddev = 0;  // population standard deviation
  double min = 0;
  double max = 0;
  double p25 = 0;  // lower quartile (box plots)
  double p50 = 0;
  double p75 = 0;  // upper quartile (box plots)
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
};

/// Percentile `q` in [0, 100] of already sorted samples (type-7 interpolation). 0 when empty.
double percentile_of_sorted(std::span<const double> sorted_samples, double q);

/// Summarises `samples` (taken by value: it is sorted in place).
DistributionSummary summarize(std::vector<double> samples);

}  // namespace llmpace::metrics
