// MergeableData: what a benchmark's metrics carry beyond their summaries so that the reports of
// the shards of one run (processes that each sent a share of its requests) merge exactly
// (report/report_merge.hpp, docs/scale-out.md): the measured window on the wall clock, the time
// integral of requests in flight, and a LogHistogram of the samples of every distribution.
//
// compute_metrics() fills it; a report written before it existed reads back without it (and
// cannot be merged). A value; not synchronised.
#pragma once

#include <array>
#include <cstddef>

#include "llmpace/metrics/log_histogram.hpp"

namespace llmpace::metrics {

/// The number of distributions of BenchmarkMetrics (kDistributionFields) and of
/// IncompleteFigures (kIncompleteDistributionFields).
inline constexpr std::size_t kDistributionCount = 12;
inline constexpr std::size_t kIncompleteDistributionCount = 4;

struct MergeableData {
  /// The measured window (the one duration_s covers) on the wall clock, seconds since the Unix
  /// epoch: BenchmarkResult::wall_start + (window start - start). Equal when nothing ran.
  double window_start_unix_s = 0;
  double window_end_unix_s = 0;
  /// The integral of measured requests in flight over the window, in request-seconds:
  /// Concurrency::mean * duration_s, summed before the division.
  double concurrency_integral_s = 0;
  /// Of exactly the samples each distribution's summary was computed from, in the order of
  /// kDistributionFields (default precision; a negative sample, which no clock should give,
  /// is recorded as 0).
  std::array<LogHistogram, kDistributionCount> histograms;
  /// The same for IncompleteFigures, in the order of kIncompleteDistributionFields.
  std::array<LogHistogram, kIncompleteDistributionCount> incomplete_histograms;
};

/// A histogram of `samples` at the default precision (negative samples recorded as 0).
template <typename Samples>
LogHistogram histogram_of(const Samples& samples) {
  LogHistogram histogram;
  for (const double sample : samples) histogram.record(sample < 0 ? 0.0 : sample);
  return histogram;
}

}  // namespace llmpace::metrics
