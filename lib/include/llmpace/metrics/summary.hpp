// DistributionSummary: count, mean, standard deviation, extremes and exact percentiles of a set
// of samples. Percentiles interpolate linearly between the two closest ranks (NumPy's default,
// "linear" / Hyndman–Fan type 7), so p50 of {1, 2} is 1.5. An empty set gives count 0 and zeros.
//
// Pure; safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace llmpace::metrics {

struct DistributionSummary {
  std::size_t count = 0;
  double mean = 0;
  double stddev = 0;  // population standard deviation
  double min = 0;
  double max = 0;
  double p0_1 = 0;  // 0.1th percentile
  double p1 = 0;
  double p5 = 0;
  double p10 = 0;
  double p25 = 0;  // lower quartile (box plots)
  double p50 = 0;
  double p75 = 0;  // upper quartile (box plots)
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double p99_9 = 0;  // 99.9th percentile
  /// False when the percentiles come from a histogram, within its relative error, because the
  /// distribution had more samples than are kept (metrics/sample_set.hpp).
  bool percentiles_exact = true;
};

/// One percentile field of DistributionSummary: its name in reports ("p99_9" is the 99.9th),
/// its rank in [0, 100] and the member holding it. Writers and readers iterate over these.
struct PercentileField {
  std::string_view name;
  double rank;
  double DistributionSummary::*member;
};

inline constexpr std::array<PercentileField, 11> kPercentileFields{{
    {"p0_1", 0.1, &DistributionSummary::p0_1},
    {"p1", 1, &DistributionSummary::p1},
    {"p5", 5, &DistributionSummary::p5},
    {"p10", 10, &DistributionSummary::p10},
    {"p25", 25, &DistributionSummary::p25},
    {"p50", 50, &DistributionSummary::p50},
    {"p75", 75, &DistributionSummary::p75},
    {"p90", 90, &DistributionSummary::p90},
    {"p95", 95, &DistributionSummary::p95},
    {"p99", 99, &DistributionSummary::p99},
    {"p99_9", 99.9, &DistributionSummary::p99_9},
}};

/// Percentile `q` in [0, 100] of already sorted samples (type-7 interpolation). 0 when empty.
double percentile_of_sorted(std::span<const double> sorted_samples, double q);

/// Summarises `samples` (taken by value: it is sorted in place).
DistributionSummary summarize(std::vector<double> samples);

}  // namespace llmpace::metrics
