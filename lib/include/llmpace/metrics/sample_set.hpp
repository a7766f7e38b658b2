// SampleSet: the samples of one distribution, taken one at a time as requests end, in memory
// that does not grow without bound.
//
// Every sample goes into a LogHistogram (metrics/log_histogram.hpp) and into running moments
// (count, sum, mean and squared deviations, Welford's method). The samples themselves are kept
// too, until the set holds more than kExactSampleLimit of them; then they are let go and the set
// goes on in the histogram alone. summarize() gives what summarize(vector) gives for the same
// samples while they are kept (exact percentiles, the same rounding); past the limit, the
// percentiles come from the histogram, within its stated relative error (2^-10), and the summary
// says so (DistributionSummary::percentiles_exact is false). Count, min and max stay exact; the
// mean and standard deviation are the running ones, exact up to rounding.
//
// merge() gives the set of the union: exact while the union is within the limit. Whether a
// summary is exact therefore depends only on how many samples the distribution has, not on how
// they were split between worker threads.
//
// A value; not synchronised: one owner adds, merges and summarises.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "llmpace/metrics/log_histogram.hpp"
#include "llmpace/metrics/summary.hpp"

namespace llmpace::metrics {

class SampleSet {
 public:
  /// Samples kept for exact percentiles: 1 MiB of doubles. A benchmark's request-level
  /// distributions stay exact up to this many requests, the token gaps up to this many gaps.
  static constexpr std::size_t kExactSampleLimit = std::size_t{1} << 17;

  void add(double sample);
  void merge(SampleSet&& other);

  [[nodiscard]] std::size_t count() const { return count_; }
  /// True while every sample is kept (count() <= kExactSampleLimit).
  [[nodiscard]] bool exact() const { return exact_; }
  /// Of every sample added (a negative one, which no clock should give, recorded as 0).
  [[nodiscard]] const LogHistogram& histogram() const { return histogram_; }

  /// The summary of every sample added (see the header comment).
  [[nodiscard]] DistributionSummary summarize() const;

 private:
  void let_go_of_samples();

  std::vector<double> samples_;  // while exact_
  bool exact_ = true;
  LogHistogram histogram_;
  std::size_t count_ = 0;
  double mean_ = 0;
  double squared_deviations_ = 0;  // Welford's M2: sum of squared deviations from the mean
  double min_ = 0;
  double max_ = 0;
};

}  // namespace llmpace::metrics
