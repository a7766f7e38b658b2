// SampleSet: the samples of one distribution, taken one at a time as requests end, in memory
// that does not grow without bound.
//
// The samples are kept until the set holds more than kExactSampleLimit of them (adding one is then
// a push_back, nothing more); then they are put into a LogHistogram (metrics/log_histogram.hpp)
// and running moments (count, mean, squared deviations from it, extremes), let go, and every
// later sample goes there. summarize() gives what summarize(vector) gives for the same
// samples while they are kept (exact percentiles, the same rounding); past the limit, the
// percentiles come from the histogram, within its stated relative error (2^-10), and the summary
// says so (DistributionSummary::percentiles_exact is false). Count, min and max stay exact; the
// mean and standard deviation are the running ones, exact up to rounding.
//
// Past the limit, add() only appends the sample to a buffer of pending samples (inline, some 9
// instructions). The add() that finds the buffer full first folds it in as one batch: the
// batch's mean and squared deviations from it (two passes, as summarize(vector)) combined with
// the running ones by Chan et al.'s pairwise formula (as merge() combines two sets), its
// extremes, and its values recorded in the histogram in one call. Measured with callgrind,
// about 60 instructions a sample in all (half of them the histogram's), where Welford's update
// (a division) and a histogram record for each sample took about 110. Every reader sees the
// pending samples: count() counts them, histogram() and summarize() take them in on copies
// (they are const, and fold nothing), merge() folds the other set's.
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
// Samples are finite (durations). Past the limit, the histogram refuses a non-finite one with
// std::invalid_argument when it is folded in: from the add() that folds its batch (leaving the
// set as it was before, so that every later add() throws too), or from histogram() or
// summarize().
//
// A value; not synchronised: one owner adds, merges and summarises.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "llmpace/metrics/log_histogram.hpp"
#include "llmpace/metrics/summary.hpp"

namespace llmpace::metrics {

class SampleSet {
 public:
  /// Samples kept for exact percentiles: 1 MiB of doubles. A benchmark's request-level
  /// distributions stay exact up to this many requests, the token gaps up to this many gaps.
  static constexpr std::size_t kExactSampleLimit = std::size_t{1} << 17;
  /// Samples pending past the limit, folded in together. Besides its work per sample, a fold
  /// costs some 200 instructions (calls, Chan's formula with its divisions, the histogram's
  /// once-a-batch updates): 3 a sample at 64, 1 at 256. But every set carries the buffer, 512
  /// bytes at 64: a tally's 17 sets, 9 KiB, fit in L1 cache beside the rest.
  static constexpr std::size_t kBatchSize = 64;

  /// Inline for its common case past the limit: the sample stored in the pending buffer.
  void add(double sample) {
    if (exact_ || pending_count_ == kBatchSize) {
      add_out_of_line(sample);
      return;
    }
    pending_[pending_count_++] = sample;
    ++count_;
  }
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
  /// Count, mean, sum of squared deviations from the mean, and extremes of some samples.
  struct Moments {
    std::size_t count = 0;
    double mean = 0;
    double squared_deviations = 0;
    double min = 0;
    double max = 0;
  };
  /// Of `samples`: the mean first, then the squared deviations from it, as summarize(vector).
  static Moments moments_of(std::span<const double> samples);
  /// Of the union of the samples `a` and `b` are of (Chan et al.'s pairwise formula).
  static Moments combined(const Moments& a, const Moments& b);

  [[nodiscard]] std::span<const double> pending() const {
    return std::span(pending_).first(pending_count_);
  }
  /// The rest of add(): while exact_ (a push_back), at the first sample past the limit, and with
  /// the pending buffer full.
  void add_out_of_line(double sample);
  void let_go_of_samples();
  void fold_pending();
  /// Takes `samples` into the histogram and the moments.
  void fold(std::span<const double> samples);

  std::size_t count_ = 0;        // every sample added
  std::vector<double> samples_;  // while exact_
  bool exact_ = true;
  // Once not exact_: the samples folded in (moments_.count of them) are in the histogram and the
  // moments, the others (count_ - moments_.count) pending.
  LogHistogram histogram_;
  Moments moments_;
  std::array<double, kBatchSize> pending_{};
  std::size_t pending_count_ = 0;
};

}  // namespace llmpace::metrics
