// IncompleteSamples: gathers what measured incomplete requests had measured when the benchmark
// stopped (first tokens, chunk gaps, the wait of those without a token) into
// BenchmarkMetrics::incomplete, apart from the successful requests' samples.
//
// Not synchronised: one instance per compute_metrics() call.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::metrics {

class IncompleteSamples {
 public:
  /// Takes the samples of one measured incomplete request; one never sent adds nothing.
  void add(const RequestRecord& record);

  /// Histograms of the samples added so far, in the order of kIncompleteDistributionFields.
  [[nodiscard]] std::array<LogHistogram, kIncompleteDistributionCount> histograms() const;

  /// The figures of every request added so far.
  [[nodiscard]] IncompleteFigures summarize() &&;

 private:
  std::size_t with_first_token_ = 0;
  std::vector<double> ttft_ms_;
  std::vector<double> itl_ms_;
  std::vector<double> waited_ms_;
  std::vector<double> token_chunks_;
};

}  // namespace llmpace::metrics
