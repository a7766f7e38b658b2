#include "run_shared.hpp"

#include <optional>

namespace llmpace::engine {
namespace {

using metrics::RequestStatus;

/// The median of `histogram` (type 7, within its relative error), or nothing when it is empty.
std::optional<double> median_of(const metrics::LogHistogram& histogram) {
  if (histogram.count() == 0) return std::nullopt;
  return histogram.quantile(0.5);
}

}  // namespace

void RunShared::on_finished(const metrics::RequestRecord& record) {
  switch (record.status) {
    case RequestStatus::successful: {
      successful_.fetch_add(1, std::memory_order_relaxed);
      const auto& tokens = record.token_chunk_times;
      std::optional<double> ttft_ms;
      std::optional<double> itl_ms;
      if (record.has_first_token() && metrics::RequestRecord::is_set(record.sent)) {
        ttft_ms = to_ms(record.first_token - record.sent);
      }
      if (tokens.size() >= 2) {
        itl_ms = to_ms(tokens.back() - tokens.front()) / static_cast<double>(tokens.size() - 1);
      }
      // Steady-clock spans are never negative; were one, the display would skip it rather than
      // the histogram's refusal ending the run.
      const std::lock_guard lock(samples_mutex_);
      if (ttft_ms && *ttft_ms >= 0) ttft_ms_.record(*ttft_ms);
      if (itl_ms && *itl_ms >= 0) itl_ms_.record(*itl_ms);
      break;
    }
    case RequestStatus::incomplete:
      incomplete_.fetch_add(1, std::memory_order_relaxed);
      break;
    case RequestStatus::errored: {
      const std::uint64_t errored = errored_.fetch_add(1, std::memory_order_relaxed) + 1;
      const std::uint64_t finished = errored + successful_.load(std::memory_order_relaxed);
      check_error_limits(errored, finished);
      break;
    }
  }
}

void RunShared::check_error_limits(std::uint64_t errored, std::uint64_t finished) {
  std::optional<metrics::StopReason> reason;
  if (spec.max_errors && errored >= static_cast<std::uint64_t>(*spec.max_errors)) {
    reason = metrics::StopReason::max_errors;
  } else if (spec.max_error_rate && finished >= profile::kMinRequestsForErrorRate &&
             static_cast<double>(errored) / static_cast<double>(finished) > *spec.max_error_rate) {
    reason = metrics::StopReason::max_error_rate;
  }
  // Ask once: past the limit every further error would ask again.
  if (reason && !error_stop_requested_.exchange(true)) request_stop(*reason);
}

metrics::ProgressSnapshot RunShared::snapshot() {
  metrics::ProgressSnapshot snapshot;
  snapshot.started = started_.load(std::memory_order_relaxed);
  snapshot.successful = successful_.load(std::memory_order_relaxed);
  snapshot.errored = errored_.load(std::memory_order_relaxed);
  snapshot.dropped = dropped_.load(std::memory_order_relaxed);
  const std::uint64_t finished =
      snapshot.successful + snapshot.errored + incomplete_.load(std::memory_order_relaxed);
  snapshot.in_flight = snapshot.started > finished ? snapshot.started - finished : 0;
  const std::lock_guard lock(samples_mutex_);
  snapshot.ttft_p50_ms = median_of(ttft_ms_);
  snapshot.itl_p50_ms = median_of(itl_ms_);
  return snapshot;
}

}  // namespace llmpace::engine
