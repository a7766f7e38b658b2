// SampleSet: the samples of one distribution, taken one at a time as requests end, in memory
// that does not grow without bound.
//
// The samples are kept until the set holds more than kExactSampleLimit of them (adding one is then
// a push_back, nothing more); then they are put into a LogHistogram (metrics/log_histogram.hpp)
// and running moments (mean and squared deviations, Welford's method), let go, and every later
// sample goes there. summarize() gives what summarize(vector) gives for the same
// samples while they are kept (exact percentiles, the same rounding); past the limit, the
// percentiles come from the histogram, within its stated relative error (2^-10), and the summary
// says so (DistributionSummary::percentiles_exact is false). Count, min and max stay exact; the
// mean and standard deviation are the running ones, exact up to rounding.
//
// The first sample reserves room for all kExactSampleLimit samples (1 MiB of address space; its
// pages become resident only as samples fill them), so that adding never moves the samples kept.
// A tally's dozen sets grow in step, one sample each per request; doubling, they all moved and
// page-faulted their copies at once at 8,192, 16,384 and 32,768 requests, stalling an open loop at
// 12,500 req/s for up to 8.6 ms (docs/performance.md).
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
  /// Of every sample added (a negative one, which no clock should give, recorded as 0): built
  /// from the samples kept while exact().
  [[nodiscard]] LogHistogram histogram() const;

  /// The summary of every sample added (see the header comment).
  [[nodiscard]] DistributionSummary summarize() const;

 private:
  void let_go_of_samples();
  /// Takes `sample` into the moments, which then hold `samples` samples.
  void add_to_moments(double sample, std::size_t samples);

  std::size_t count_ = 0;
  std::vector<double> samples_;  // while exact_
  bool exact_ = true;
  // Once not exact_: every sample (count_ of them) in the histogram and the moments.
  LogHistogram histogram_;
  double mean_ = 0;
  double squared_deviations_ = 0;  // Welford's M2: sum of squared deviations from the mean
  double min_ = 0;
  double max_ = 0;
};

}  // namespace llmpace::metrics
