// compute_metrics(): BenchmarkResult -> BenchmarkMetrics. Definitions in docs/metrics.md.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "first_messages.hpp"
#include "incomplete_samples.hpp"
#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::metrics {
namespace {

/// Milliseconds from `from` to `to`, or nothing when either instant was never recorded.
std::optional<double> span_ms(TimePoint from, TimePoint to) {
  if (!RequestRecord::is_set(from) || !RequestRecord::is_set(to)) return std::nullopt;
  return to_ms(to - from);
}

void push(std::vector<double>& samples, std::optional<double> value) {
  if (value) samples.push_back(*value);
}

/// Raw samples of every distribution, gathered in one pass over the records.
struct Samples {
  std::vector<double> ttft_ms;
  std::vector<double> ttfb_ms;
  std::vector<double> itl_ms;
  std::vector<double> itl_mean_ms;
  std::vector<double> tpot_ms;
  std::vector<double> latency_ms;
  std::vector<double> send_lag_ms;
  std::vector<double> dispatch_lag_ms;
  std::vector<double> unqueued_dispatch_lag_ms;  // requests that did not wait for a slot
  std::vector<double> ttft_from_scheduled_ms;
  std::vector<double> latency_from_scheduled_ms;
  std::vector<double> output_tokens;
  std::vector<double> prompt_tokens;
};

/// The per-request figures of one successful request; a figure the request has no value for
/// (TPOT of a one-token output) is empty.
struct RequestFigures {
  std::optional<double> ttft_ms;
  std::optional<double> itl_mean_ms;
  std::optional<double> tpot_ms;
  std::optional<double> latency_ms;
};

RequestFigures figures_of(const RequestRecord& record) {
  RequestFigures figures;
  figures.ttft_ms = span_ms(record.sent, record.first_token);
  figures.latency_ms = span_ms(record.sent, record.done);
  const auto& chunks = record.token_chunk_times;
  if (record.output_tokens >= 2) {
    const auto gaps = static_cast<double>(record.output_tokens - 1);
    // One token chunk (even one carrying many tokens) shows no spacing between tokens: a mean
    // ITL of 0 would be a fiction, so such requests are skipped like one-token outputs.
    if (chunks.size() >= 2) figures.itl_mean_ms = to_ms(chunks.back() - chunks.front()) / gaps;
    if (const auto decode_ms = span_ms(record.first_token, record.done)) {
      figures.tpot_ms = *decode_ms / gaps;
    }
  }
  return figures;
}

bool meets(const Slo& slo, const RequestFigures& figures) {
  const auto holds = [](const std::optional<double>& limit, const std::optional<double>& value) {
    return !limit || !value || *value <= *limit;
  };
  return holds(slo.ttft_ms, figures.ttft_ms) && holds(slo.tpot_ms, figures.tpot_ms) &&
         holds(slo.itl_mean_ms, figures.itl_mean_ms) && holds(slo.latency_ms, figures.latency_ms);
}

void add_successful(const RequestRecord& record, const RequestFigures& figures, Samples& samples) {
  push(samples.ttft_ms, figures.ttft_ms);
  push(samples.ttfb_ms, span_ms(record.sent, record.first_byte));
  push(samples.latency_ms, figures.latency_ms);
  push(samples.itl_mean_ms, figures.itl_mean_ms);
  push(samples.tpot_ms, figures.tpot_ms);
  push(samples.ttft_from_scheduled_ms, span_ms(record.scheduled, record.first_token));
  push(samples.latency_from_scheduled_ms, span_ms(record.scheduled, record.done));
  const auto& chunks = record.token_chunk_times;
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    samples.itl_ms.push_back(to_ms(chunks[i] - chunks[i - 1]));
  }
  samples.output_tokens.push_back(static_cast<double>(record.output_tokens));
  samples.prompt_tokens.push_back(static_cast<double>(record.prompt_tokens));
}

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

/// The window rates are taken over: the whole benchmark, or with a warmup or cooldown the span
/// of the measured requests (first scheduled start to last end).
Window measured_window(const BenchmarkResult& result) {
  bool windowed = false;
  TimePoint first = TimePoint::max();
  TimePoint last = TimePoint::min();
  for (const RequestRecord& record : result.records) {
    if (record.phase != WindowPhase::measured) {
      windowed = true;
      continue;
    }
    if (RequestRecord::is_set(record.scheduled)) first = std::min(first, record.scheduled);
    if (RequestRecord::is_set(record.done)) last = std::max(last, record.done);
  }
  if (!windowed) return {result.start, result.end};
  return {first, last};
}

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

/// Time-weighted mean and maximum of the measured requests in flight (sent to done) within
/// `window`; `integral_s` receives the integral of requests in flight over it.
Concurrency concurrency_of(const BenchmarkResult& result, const Window& window,
                           double& integral_s) {
  std::vector<std::pair<TimePoint, int>> steps;  // +1 at a send, -1 at an end
  for (const RequestRecord& record : result.records) {
    if (record.phase != WindowPhase::measured) continue;
    if (!RequestRecord::is_set(record.sent) || !RequestRecord::is_set(record.done)) continue;
    const TimePoint from = std::max(record.sent, window.begin);
    const TimePoint to = std::min(record.done, window.end);
    if (from >= to) continue;
    steps.emplace_back(from, 1);
    steps.emplace_back(to, -1);
  }
  // At equal times ends come first, so back-to-back requests on one stream never count twice.
  std::sort(steps.begin(), steps.end());
  Concurrency concurrency;
  long in_flight = 0;
  double weighted_s = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    in_flight += steps[i].second;
    concurrency.max = std::max(concurrency.max, static_cast<std::size_t>(in_flight));
    if (i + 1 < steps.size()) {
      weighted_s +=
          static_cast<double>(in_flight) * to_seconds(steps[i + 1].first - steps[i].first);
    }
  }
  const double duration_s = window.duration_s();
  concurrency.mean = duration_s > 0 ? weighted_s / duration_s : 0;
  integral_s = duration_s > 0 ? weighted_s : 0;
  return concurrency;
}

/// The measured window in whole-second buckets (longer ones past kMaxTimelinePoints seconds).
void fill_timeline(const BenchmarkResult& result, const Window& window, BenchmarkMetrics& metrics) {
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
  std::vector<std::size_t> chunks(buckets, 0);
  for (const RequestRecord& record : result.records) {
    if (record.phase != WindowPhase::measured) continue;
    if (!RequestRecord::is_set(record.sent) || !RequestRecord::is_set(record.done)) continue;
    const double from_s = std::max(0.0, offset_s(record.sent));
    const double to_s = std::min(duration_s, offset_s(record.done));
    for (std::size_t i = bucket_of(from_s); from_s < to_s && i < buckets; ++i) {
      const double begin_s = static_cast<double>(i) * bucket_s;
      const double overlap_s = std::min(to_s, begin_s + bucket_s) - std::max(from_s, begin_s);
      if (overlap_s <= 0) break;
      in_flight_s[i] += overlap_s;
    }
    if (record.status == RequestStatus::successful && to_s >= 0 &&
        offset_s(record.done) <= duration_s) {
      ++metrics.timeline[bucket_of(offset_s(record.done))].requests_completed;
    }
    for (const TimePoint chunk : record.token_chunk_times) {
      const double at_s = offset_s(chunk);
      if (at_s >= 0 && at_s <= duration_s) ++chunks[bucket_of(at_s)];
    }
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
  BenchmarkMetrics metrics;
  // A stop recorded before the start (or never) means nothing ran: no duration, no rates.
  const Window window = measured_window(result);
  metrics.duration_s = window.duration_s();
  metrics.requests.dropped = result.dropped;

  Samples samples;
  IncompleteSamples incomplete;  // apart: never mixed into `samples`
  std::size_t with_usage = 0;
  double output_tokens = 0;
  double prompt_tokens = 0;
  std::size_t slo_met = 0;
  FirstMessages first_errors;         // by error kind
  FirstMessages first_usage_problem;  // one key
  constexpr std::string_view kUsageKey = "usage";
  for (const RequestRecord& record : result.records) {
    if (record.phase == WindowPhase::warmup) {
      ++metrics.requests.warmup;
      continue;
    }
    if (record.phase == WindowPhase::cooldown) {
      ++metrics.requests.cooldown;
      continue;
    }
    // Lateness is measured for every request that left, whatever became of it.
    push(samples.send_lag_ms, span_ms(record.scheduled, record.sent));
    const std::optional<double> dispatch_lag = span_ms(record.scheduled, record.dispatched);
    push(samples.dispatch_lag_ms, dispatch_lag);
    if (record.waited_for_slot) {
      ++metrics.requests.waited_for_slot;
    } else {
      push(samples.unqueued_dispatch_lag_ms, dispatch_lag);
    }
    if (!record.usage_problem.empty()) {
      ++metrics.usage_problems.requests;
      first_usage_problem.offer(kUsageKey, record, record.usage_problem);
    }
    switch (record.status) {
      case RequestStatus::successful: {
        ++metrics.requests.successful;
        const RequestFigures figures = figures_of(record);
        add_successful(record, figures, samples);
        if (!result.slo.empty() && meets(result.slo, figures)) ++slo_met;
        if (record.output_tokens_source == TokenCountSource::server_usage) ++with_usage;
        output_tokens += static_cast<double>(record.output_tokens);
        prompt_tokens += static_cast<double>(record.prompt_tokens);
        break;
      }
      case RequestStatus::incomplete:
        ++metrics.requests.incomplete;
        incomplete.add(record);
        break;
      case RequestStatus::errored: {
        ++metrics.requests.errored;
        const std::string_view kind = to_string(record.error_kind);
        ++metrics.errors_by_kind[std::string(kind)];
        first_errors.offer(kind, record, record.error_message);
        break;
      }
    }
  }
  metrics.first_error_by_kind = first_errors.messages();
  MergeableData mergeable;
  place_window(result, window, mergeable);
  // Each distribution's samples, in the order of kDistributionFields: its summary and its
  // histogram come from the same samples.
  const std::array<std::vector<double>*, kDistributionCount> sample_sets{
      &samples.ttft_ms,
      &samples.itl_ms,
      &samples.itl_mean_ms,
      &samples.tpot_ms,
      &samples.latency_ms,
      &samples.ttfb_ms,
      &samples.ttft_from_scheduled_ms,
      &samples.latency_from_scheduled_ms,
      &samples.send_lag_ms,
      &samples.dispatch_lag_ms,
      &samples.output_tokens,
      &samples.prompt_tokens,
  };
  for (std::size_t i = 0; i < kDistributionCount; ++i) {
    mergeable.histograms[i] = histogram_of(*sample_sets[i]);
    metrics.*kDistributionFields[i].member = summarize(std::move(*sample_sets[i]));
  }
  mergeable.incomplete_histograms = incomplete.histograms();
  metrics.usage_problems.first_message = first_usage_problem.message(kUsageKey);

  const DistributionSummary unqueued_lag = summarize(std::move(samples.unqueued_dispatch_lag_ms));
  metrics.client_limited = is_paced(result.profile) && unqueued_lag.count > 0 &&
                           unqueued_lag.p99 > kClientLimitedDispatchLagP99Ms;
  metrics.incomplete = std::move(incomplete).summarize();

  const auto successful = static_cast<double>(metrics.requests.successful);
  metrics.throughput.requests_per_s = per_second(successful, metrics.duration_s);
  metrics.throughput.sent_requests_per_s =
      per_second(static_cast<double>(metrics.send_lag_ms.count), metrics.duration_s);
  metrics.throughput.output_tokens_per_s = per_second(output_tokens, metrics.duration_s);
  metrics.throughput.total_tokens_per_s =
      per_second(prompt_tokens + output_tokens, metrics.duration_s);
  metrics.output_tokens_source = output_tokens_source(metrics.requests.successful, with_usage);
  metrics.concurrency = concurrency_of(result, window, mergeable.concurrency_integral_s);
  metrics.mergeable = std::move(mergeable);
  fill_timeline(result, window, metrics);
  if (!result.slo.empty()) {
    Goodput goodput;
    goodput.slo = result.slo.to_string();
    goodput.requests_met = slo_met;
    const std::size_t ended = metrics.requests.successful + metrics.requests.errored;
    goodput.fraction = ended > 0 ? static_cast<double>(slo_met) / static_cast<double>(ended) : 0;
    goodput.requests_per_s = per_second(static_cast<double>(slo_met), metrics.duration_s);
    metrics.goodput = goodput;
  }
  return metrics;
}

}  // namespace llmpace::metrics
