#include "llmpace/metrics/incomplete_tally.hpp"

#include <utility>

#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::metrics {
namespace {

// Positions in kIncompleteDistributionFields.
constexpr std::size_t kTtft = 0;
constexpr std::size_t kItl = 1;
constexpr std::size_t kWaited = 2;
constexpr std::size_t kTokenChunks = 3;

}  // namespace

void IncompleteTally::add(const RequestRecord& record) {
  if (!RequestRecord::is_set(record.sent)) return;  // cancelled before it left: nothing measured
  if (!record.has_first_token()) {
    // Still queued (or in prefill) when the benchmark stopped: its TTFT is at least this long.
    if (RequestRecord::is_set(record.done)) {
      distributions_[kWaited].add(to_ms(record.done - record.sent));
    }
    return;
  }
  ++with_first_token_;
  distributions_[kTtft].add(to_ms(record.first_token - record.sent));
  const auto& chunks = record.token_chunk_times;
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    distributions_[kItl].add(to_ms(chunks[i] - chunks[i - 1]));
  }
  distributions_[kTokenChunks].add(static_cast<double>(chunks.size()));
}

void IncompleteTally::merge(IncompleteTally&& other) {
  with_first_token_ += other.with_first_token_;
  for (std::size_t i = 0; i < distributions_.size(); ++i) {
    distributions_[i].merge(std::move(other.distributions_[i]));
  }
}

std::array<LogHistogram, kIncompleteDistributionCount> IncompleteTally::histograms() const {
  std::array<LogHistogram, kIncompleteDistributionCount> histograms;
  for (std::size_t i = 0; i < histograms.size(); ++i) {
    histograms[i] = distributions_[i].histogram();
  }
  return histograms;
}

IncompleteFigures IncompleteTally::summarize() const {
  IncompleteFigures figures;
  figures.with_first_token = with_first_token_;
  for (std::size_t i = 0; i < kIncompleteDistributionFields.size(); ++i) {
    figures.*kIncompleteDistributionFields[i].member = distributions_[i].summarize();
  }
  return figures;
}

}  // namespace llmpace::metrics
