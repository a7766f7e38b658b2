// compute_metrics(): BenchmarkResult (its RequestTally) -> BenchmarkMetrics. Definitions in
// docs/metrics.md.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::metrics {
namespace {

std::string output_tokens_source(std::size_t successful, std::size_t with_usage) {
  if (successful == 0) return "none";
  if (with_usage == successful) return std::string(to_string(TokenCountSource::server_usage));
  if (with_usage == 0) return std::string(to_string(TokenCountSource::chunk_count));
  return "mixed";
}

double per_second(double amount, double duration_s) {
  return duration_s > 0 ? amount / duration_s : 0;
}

struct Window {
  TimePoint begin;
  TimePoint end;
  [[nodiscard]] double duration_s() const { return end > begin ? to_seconds(end - begin) : 0.0; }
};

/// Seconds since the Unix epoch at `time`, placed by the wall-clock time of the result's start.
double unix_seconds(const BenchmarkResult& result, TimePoint time) {
  const auto since_epoch = result.wall_start.time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count() + to_seconds(time - result.start);
}

/// The measured window on the wall clock; a window with nothing in it (no measured request)
/// is the instant of its start, or of the benchmark's start when it has none.
void place_window(const BenchmarkResult& result, const Window& window, MergeableData& data) {
  const bool empty = !(window.end > window.begin);
  const bool unset = window.begin == TimePoint::max() || window.begin == TimePoint::min();
  data.window_start_unix_s = unix_seconds(result, unset ? result.start : window.begin);
  data.window_end_unix_s = empty ? data.window_start_unix_s : unix_seconds(result, window.end);
}

using Intervals = std::deque<RequestTally::Interval>;

/// Time-weighted mean and maximum of the measured requests in flight (sent to done) within
/// `window`; `integral_s` receives the integral of requests in flight over it. `intervals` are
/// in order of `sent`: a sweep over the sends, with the ends of those in flight in a min-heap,
/// holds no more than the requests in flight at once.
Concurrency concurrency_of(const Intervals& intervals, const Window& window, double& integral_s) {
  std::priority_queue<TimePoint, std::vector<TimePoint>, std::greater<>> ends;
  Concurrency concurrency;
  std::size_t in_flight = 0;
  double weighted_s = 0;
  TimePoint last_event;
  const auto advance_to = [&](TimePoint time) {
    if (in_flight > 0) weighted_s += static_cast<double>(in_flight) * to_seconds(time - last_event);
    last_event = time;
  };
  for (const RequestTally::Interval& interval : intervals) {
    const TimePoint from = std::max(interval.sent, window.begin);
    const TimePoint to = std::min(interval.done, window.end);
    if (from >= to) continue;
    // At equal times ends come first, so back-to-back requests on one stream never count twice.
    while (!ends.empty() && ends.top() <= from) {
      advance_to(ends.top());
      ends.pop();
      --in_flight;
    }
    advance_to(from);
    ++in_flight;
    concurrency.max = std::max(concurrency.max, in_flight);
    ends.push(to);
  }
  while (!ends.empty()) {
    advance_to(ends.top());
    ends.pop();
    --in_flight;
  }
  const double duration_s = window.duration_s();
  concurrency.mean = duration_s > 0 ? weighted_s / duration_s : 0;
  integral_s = duration_s > 0 ? weighted_s : 0;
  return concurrency;
}

/// The measured window in whole-second buckets (longer ones past kMaxTimelinePoints seconds).
/// Token chunks come counted per RequestTally::kChunkBin from `origin`: a bin counts in the bucket
/// its start falls in (exact when the window starts at `origin`, as bucket edges are whole
/// seconds), and while its start is within the window.
void fill_timeline(const Intervals& intervals, std::span<const std::uint32_t> chunks_per_bin,
                   TimePoint origin, const Window& window, BenchmarkMetrics& metrics) {
  const double duration_s = window.duration_s();
  if (duration_s <= 0) return;
  const double bucket_s =
      std::max(1.0, std::ceil(duration_s / static_cast<double>(kMaxTimelinePoints)));
  const auto buckets = static_cast<std::size_t>(std::ceil(duration_s / bucket_s));
  metrics.timeline_bucket_s = bucket_s;
  metrics.timeline.resize(buckets);
  for (std::size_t i = 0; i < buckets; ++i) {
    metrics.timeline[i].start_s = static_cast<double>(i) * bucket_s;
  }
  const auto offset_s = [&](TimePoint time) { return to_seconds(time - window.begin); };
  const auto bucket_of = [&](double at_s) {
    return std::min(buckets - 1, static_cast<std::size_t>(std::max(0.0, at_s) / bucket_s));
  };
  std::vector<double> in_flight_s(buckets, 0.0);
  for (const RequestTally::Interval& interval : intervals) {
    const double from_s = std::max(0.0, offset_s(interval.sent));
    const double to_s = std::min(duration_s, offset_s(interval.done));
    for (std::size_t i = bucket_of(from_s); from_s < to_s && i < buckets; ++i) {
      const double begin_s = static_cast<double>(i) * bucket_s;
      const double overlap_s = std::min(to_s, begin_s + bucket_s) - std::max(from_s, begin_s);
      if (overlap_s <= 0) break;
      in_flight_s[i] += overlap_s;
    }
    if (interval.successful && to_s >= 0 && offset_s(interval.done) <= duration_s) {
      ++metrics.timeline[bucket_of(offset_s(interval.done))].requests_completed;
    }
  }
  // Chunk bins, placed in integer nanoseconds so that a bin never straddles a bucket edge that
  // is a whole number of seconds from its start.
  std::vector<std::size_t> chunks(buckets, 0);
  const Nanoseconds bucket = from_seconds(bucket_s);
  const Nanoseconds duration = window.end - window.begin;
  for (std::size_t bin = 0; bin < chunks_per_bin.size(); ++bin) {
    const Nanoseconds bin_start =
        origin + RequestTally::kChunkBin * static_cast<std::int64_t>(bin) - window.begin;
    if (bin_start + RequestTally::kChunkBin <= Nanoseconds::zero() || bin_start > duration) {
      continue;
    }
    const auto index = bin_start <= Nanoseconds::zero()
                           ? std::size_t{0}
                           : static_cast<std::size_t>(bin_start / bucket);
    chunks[std::min(buckets - 1, index)] += chunks_per_bin[bin];
  }
  for (std::size_t i = 0; i < buckets; ++i) {
    // The last bucket may be cut short by the end of the window.
    const double length_s = std::min(bucket_s, duration_s - static_cast<double>(i) * bucket_s);
    metrics.timeline[i].concurrency_mean = length_s > 0 ? in_flight_s[i] / length_s : 0;
    metrics.timeline[i].token_chunks_per_s =
        length_s > 0 ? static_cast<double>(chunks[i]) / length_s : 0;
  }
}

bool is_paced(ProfileKind profile) {
  return profile == ProfileKind::constant || profile == ProfileKind::poisson;
}

}  // namespace

std::string_view to_string(StopReason reason) {
  switch (reason) {
    case StopReason::requests_done:
      return "requests_done";
    case StopReason::max_seconds:
      return "max_seconds";
    case StopReason::max_errors:
      return "max_errors";
    case StopReason::max_error_rate:
      return "max_error_rate";
    case StopReason::signal:
      return "signal";
    case StopReason::over_saturated:
      return "over_saturated";
  }
  return "unknown";
}

BenchmarkMetrics compute_metrics(const BenchmarkResult& result) {
  if (result.tally.size() > 0 || result.records.empty())
    return compute_metrics(result, result.tally);
  RequestTally tally(result.start, result.slo);
  for (const RequestRecord& record : result.records) tally.add(record);
  tally.sort_intervals();
  return compute_metrics(result, tally);
}

BenchmarkMetrics compute_metrics(const BenchmarkResult& result, const RequestTally& tally) {
  BenchmarkMetrics metrics;
  // The window rates are taken over: the whole benchmark, or with a warmup or cooldown the span
  // of the measured requests (first scheduled start to last end). A stop recorded before the
  // start (or never) means nothing ran: no duration, no rates.
  const Window window = tally.windowed_
                            ? Window{tally.first_measured_scheduled_, tally.last_measured_done_}
                            : Window{result.start, result.end};
  metrics.duration_s = window.duration_s();
  metrics.requests = {
      .successful = tally.successful_,
      .incomplete = tally.incomplete_,
      .errored = tally.errored_,
      .warmup = tally.warmup_,
      .cooldown = tally.cooldown_,
      .dropped = result.dropped,
      .waited_for_slot = tally.waited_for_slot_,
  };
  metrics.errors_by_kind = tally.errors_by_kind_;
  metrics.first_error_by_kind = tally.first_errors_.messages();
  metrics.usage_problems.requests = tally.usage_problems_;
  metrics.usage_problems.first_message =
      tally.first_usage_problem_.message(RequestTally::kUsageKey);

  MergeableData mergeable;
  place_window(result, window, mergeable);
  // Each distribution's summary and histogram come from the same samples.
  for (std::size_t i = 0; i < kDistributionCount; ++i) {
    mergeable.histograms[i] = tally.distributions_[i].histogram();
    metrics.*kDistributionFields[i].member = tally.distributions_[i].summarize();
  }
  mergeable.incomplete_histograms = tally.incomplete_figures_.histograms();
  metrics.incomplete = tally.incomplete_figures_.summarize();

  const DistributionSummary unqueued_lag = tally.unqueued_dispatch_lag_ms_.summarize();
  metrics.client_limited = is_paced(result.profile) && unqueued_lag.count > 0 &&
                           unqueued_lag.p99 > kClientLimitedDispatchLagP99Ms;

  const auto successful = static_cast<double>(metrics.requests.successful);
  metrics.throughput.requests_per_s = per_second(successful, metrics.duration_s);
  metrics.throughput.sent_requests_per_s =
      per_second(static_cast<double>(metrics.send_lag_ms.count), metrics.duration_s);
  metrics.throughput.output_tokens_per_s = per_second(tally.output_tokens_, metrics.duration_s);
  metrics.throughput.total_tokens_per_s =
      per_second(tally.prompt_tokens_ + tally.output_tokens_, metrics.duration_s);
  metrics.output_tokens_source =
      output_tokens_source(metrics.requests.successful, tally.with_usage_);
  // In order of `sent`; a tally not sorted by its owner is sorted in a copy.
  Intervals sorted_copy;
  if (!tally.intervals_sorted()) {
    sorted_copy = tally.intervals_;
    std::sort(sorted_copy.begin(), sorted_copy.end(), RequestTally::Interval::in_order);
  }
  const Intervals& intervals = sorted_copy.empty() ? tally.intervals_ : sorted_copy;
  metrics.concurrency = concurrency_of(intervals, window, mergeable.concurrency_integral_s);
  metrics.mergeable = std::move(mergeable);
  fill_timeline(intervals, tally.chunks_per_bin_, tally.origin_, window, metrics);
  if (tally.dated_responses_ > 0) {
    // From seconds since the tally's origin to this process's wall clock.
    const double origin_unix_s = unix_seconds(result, tally.origin_);
    metrics.server_clock = ServerClock{
        .responses = tally.dated_responses_,
        .offset_low_s = tally.server_offset_low_s_ - origin_unix_s,
        .offset_high_s = tally.server_offset_high_s_ - origin_unix_s,
    };
  }
  // The SLO the tally counted its requests against, so the figure and its label agree.
  if (!tally.slo_.empty()) {
    Goodput goodput;
    goodput.slo = tally.slo_.to_string();
    goodput.requests_met = tally.slo_met_;
    const std::size_t ended = metrics.requests.successful + metrics.requests.errored;
    goodput.fraction =
        ended > 0 ? static_cast<double>(tally.slo_met_) / static_cast<double>(ended) : 0;
    goodput.requests_per_s = per_second(static_cast<double>(tally.slo_met_), metrics.duration_s);
    metrics.goodput = goodput;
  }
  return metrics;
}

}  // namespace llmpace::metrics
