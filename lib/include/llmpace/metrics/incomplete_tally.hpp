// IncompleteTally: what measured incomplete requests had measured when the benchmark stopped
// (first tokens, chunk gaps, the wait of those without a token), for BenchmarkMetrics::incomplete,
// apart from the successful requests' samples.
//
// A value; not synchronised: one owner adds and merges.
#pragma once

#include <array>
#include <cstddef>

#include "llmpace/metrics/mergeable_data.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/sample_set.hpp"

namespace llmpace::metrics {

struct IncompleteFigures;

class IncompleteTally {
 public:
  /// Takes the samples of one measured incomplete request; one never sent adds nothing.
  void add(const RequestRecord& record);
  void merge(IncompleteTally&& other);

  /// Histograms of the samples added so far, in the order of kIncompleteDistributionFields.
  [[nodiscard]] std::array<LogHistogram, kIncompleteDistributionCount> histograms() const;

  /// The figures of every request added so far.
  [[nodiscard]] IncompleteFigures summarize() const;

 private:
  std::size_t with_first_token_ = 0;
  /// In the order of kIncompleteDistributionFields: ttft_ms, itl_ms, waited_ms, token_chunks.
  std::array<SampleSet, kIncompleteDistributionCount> distributions_;
};

}  // namespace llmpace::metrics
