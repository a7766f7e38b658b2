#include "incomplete_samples.hpp"

#include <utility>

namespace llmpace::metrics {

void IncompleteSamples::add(const RequestRecord& record) {
  if (!RequestRecord::is_set(record.sent)) return;  // cancelled before it left: nothing measured
  if (!record.has_first_token()) {
    // Still queued (or in prefill) when the benchmark stopped: its TTFT is at least this long.
    if (RequestRecord::is_set(record.done)) waited_ms_.push_back(to_ms(record.done - record.sent));
    return;
  }
  ++with_first_token_;
  ttft_ms_.push_back(to_ms(record.first_token - record.sent));
  const auto& chunks = record.token_chunk_times;
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    itl_ms_.push_back(to_ms(chunks[i] - chunks[i - 1]));
  }
  token_chunks_.push_back(static_cast<double>(chunks.size()));
}

std::array<LogHistogram, kIncompleteDistributionCount> IncompleteSamples::histograms() const {
  return {histogram_of(ttft_ms_), histogram_of(itl_ms_), histogram_of(waited_ms_),
          histogram_of(token_chunks_)};
}

IncompleteFigures IncompleteSamples::summarize() && {
  IncompleteFigures figures;
  figures.with_first_token = with_first_token_;
  figures.ttft_ms = metrics::summarize(std::move(ttft_ms_));
  figures.itl_ms = metrics::summarize(std::move(itl_ms_));
  figures.waited_ms = metrics::summarize(std::move(waited_ms_));
  figures.token_chunks = metrics::summarize(std::move(token_chunks_));
  return figures;
}

}  // namespace llmpace::metrics
