#include "llmpace/metrics/summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace llmpace::metrics {

double percentile_of_sorted(std::span<const double> sorted_samples, double q) {
  if (sorted_samples.empty()) return 0;
  const double last_index = static_cast<double>(sorted_samples.size() - 1);
  // (n - 1) * q / 100 rather than (n - 1) * (q / 100): exact for integer q, so p50 of an odd
  // count lands on the middle sample without rounding noise.
  const double rank = last_index * std::clamp(q, 0.0, 100.0) / 100.0;
  const double lower_rank = std::floor(rank);
  const auto lower = static_cast<std::size_t>(lower_rank);
  const std::size_t upper = std::min(lower + 1, sorted_samples.size() - 1);
  // std::lerp is exact at both ends, so a rank on a sample returns that sample unchanged.
  return std::lerp(sorted_samples[lower], sorted_samples[upper], rank - lower_rank);
}

DistributionSummary summarize(std::vector<double> samples) {
  DistributionSummary summary;
  if (samples.empty()) return summary;
  std::sort(samples.begin(), samples.end());

  const auto count = static_cast<double>(samples.size());
  summary.count = samples.size();
  summary.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / count;
  // Two passes (mean first, then squared deviations) stay accurate when the spread is small
  // next to the values, which the one-pass sum-of-squares formula does not.
  double squared_deviations = 0;
  for (const double sample : samples) {
    const double deviation = sample - summary.mean;
    squared_deviations += deviation * deviation;
  }
  summary.stddev = std::sqrt(squared_deviations / count);
  summary.min = samples.front();
  summary.max = samples.back();
  for (const PercentileField& field : kPercentileFields) {
    summary.*field.member = percentile_of_sorted(samples, field.rank);
  }
  return summary;
}

}  // namespace llmpace::metrics
