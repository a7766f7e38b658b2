#include "llmpace/metrics/request_tally.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::metrics {
namespace {

/// Milliseconds from `from` to `to`, or nothing when either instant was never recorded.
std::optional<double> span_ms(TimePoint from, TimePoint to) {
  if (!RequestRecord::is_set(from) || !RequestRecord::is_set(to)) return std::nullopt;
  return to_ms(to - from);
}

void add_to(SampleSet& set, std::optional<double> value) {
  if (value) set.add(*value);
}

/// The position of `member` in kDistributionFields.
constexpr std::size_t position_of(DistributionSummary BenchmarkMetrics::*member) {
  for (std::size_t i = 0; i < kDistributionFields.size(); ++i) {
    if (kDistributionFields[i].member == member) return i;
  }
  return kDistributionFields.size();
}

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

}  // namespace

template <DistributionSummary BenchmarkMetrics::*member>
SampleSet& RequestTally::distribution() {
  constexpr std::size_t kPosition = position_of(member);
  static_assert(kPosition < kDistributionCount, "not a member of kDistributionFields");
  return distributions_[kPosition];
}

void RequestTally::add(const RequestRecord& record) {
  ++added_;
  end_index_ = std::max(end_index_, record.index + 1);
  add_server_date(record);
  if (record.phase == WindowPhase::warmup) {
    ++warmup_;
    windowed_ = true;
    return;
  }
  if (record.phase == WindowPhase::cooldown) {
    ++cooldown_;
    windowed_ = true;
    return;
  }
  if (RequestRecord::is_set(record.scheduled)) {
    first_measured_scheduled_ = std::min(first_measured_scheduled_, record.scheduled);
  }
  if (RequestRecord::is_set(record.done)) {
    last_measured_done_ = std::max(last_measured_done_, record.done);
  }
  // Lateness is measured for every request that left, whatever became of it.
  add_to(distribution<&BenchmarkMetrics::send_lag_ms>(), span_ms(record.scheduled, record.sent));
  const std::optional<double> dispatch_lag = span_ms(record.scheduled, record.dispatched);
  add_to(distribution<&BenchmarkMetrics::dispatch_lag_ms>(), dispatch_lag);
  if (record.waited_for_slot) {
    ++waited_for_slot_;
  } else {
    add_to(unqueued_dispatch_lag_ms_, dispatch_lag);
  }
  if (!record.usage_problem.empty()) {
    ++usage_problems_;
    first_usage_problem_.offer(kUsageKey, record, record.usage_problem);
  }
  switch (record.status) {
    case RequestStatus::successful:
      ++successful_;
      add_successful(record);
      break;
    case RequestStatus::incomplete:
      ++incomplete_;
      incomplete_figures_.add(record);
      break;
    case RequestStatus::errored: {
      ++errored_;
      const std::string_view kind = to_string(record.error_kind);
      ++errors_by_kind_[std::string(kind)];
      first_errors_.offer(kind, record, record.error_message);
      break;
    }
  }
  if (RequestRecord::is_set(record.sent) && RequestRecord::is_set(record.done)) {
    intervals_.push_back({record.sent, record.done, record.status == RequestStatus::successful});
    add_chunks(record);
  }
}

void RequestTally::add_server_date(const RequestRecord& record) {
  if (record.server_date_unix_s == 0 || !RequestRecord::is_set(record.sent) ||
      !RequestRecord::is_set(record.first_byte)) {
    return;
  }
  // Made between sent and first_byte, while the server's clock read [date, date + 1).
  const auto date_s = static_cast<double>(record.server_date_unix_s);
  ++dated_responses_;
  server_offset_low_s_ =
      std::max(server_offset_low_s_, date_s - to_seconds(record.first_byte - origin_));
  server_offset_high_s_ =
      std::min(server_offset_high_s_, date_s + 1 - to_seconds(record.sent - origin_));
}

void RequestTally::add_successful(const RequestRecord& record) {
  const RequestFigures figures = figures_of(record);
  add_to(distribution<&BenchmarkMetrics::ttft_ms>(), figures.ttft_ms);
  add_to(distribution<&BenchmarkMetrics::ttfb_ms>(), span_ms(record.sent, record.first_byte));
  add_to(distribution<&BenchmarkMetrics::latency_ms>(), figures.latency_ms);
  add_to(distribution<&BenchmarkMetrics::itl_mean_ms>(), figures.itl_mean_ms);
  add_to(distribution<&BenchmarkMetrics::tpot_ms>(), figures.tpot_ms);
  add_to(distribution<&BenchmarkMetrics::ttft_from_scheduled_ms>(),
         span_ms(record.scheduled, record.first_token));
  add_to(distribution<&BenchmarkMetrics::latency_from_scheduled_ms>(),
         span_ms(record.scheduled, record.done));
  SampleSet& itl_ms = distribution<&BenchmarkMetrics::itl_ms>();
  const auto& chunks = record.token_chunk_times;
  for (std::size_t i = 1; i < chunks.size(); ++i) itl_ms.add(to_ms(chunks[i] - chunks[i - 1]));
  distribution<&BenchmarkMetrics::output_tokens>().add(static_cast<double>(record.output_tokens));
  distribution<&BenchmarkMetrics::prompt_tokens>().add(static_cast<double>(record.prompt_tokens));
  if (!slo_.empty() && meets(slo_, figures)) ++slo_met_;
  if (record.output_tokens_source == TokenCountSource::server_usage) ++with_usage_;
  output_tokens_ += static_cast<double>(record.output_tokens);
  prompt_tokens_ += static_cast<double>(record.prompt_tokens);
}

void RequestTally::add_chunks(const RequestRecord& record) {
  for (const TimePoint chunk : record.token_chunk_times) {
    if (chunk < origin_) continue;  // before the benchmark: outside every timeline bucket
    const auto bin = static_cast<std::size_t>((chunk - origin_) / kChunkBin);
    if (bin >= chunks_per_bin_.size()) chunks_per_bin_.resize(bin + 1, 0);
    ++chunks_per_bin_[bin];
  }
}

void RequestTally::sort_intervals() {
  std::sort(intervals_.begin(), intervals_.end(), Interval::in_order);
}

bool RequestTally::intervals_sorted() const {
  return std::is_sorted(intervals_.begin(), intervals_.end(), Interval::in_order);
}

void RequestTally::merge(RequestTally&& other) {
  added_ += other.added_;
  end_index_ = std::max(end_index_, other.end_index_);
  successful_ += other.successful_;
  incomplete_ += other.incomplete_;
  errored_ += other.errored_;
  warmup_ += other.warmup_;
  cooldown_ += other.cooldown_;
  waited_for_slot_ += other.waited_for_slot_;
  for (const auto& [kind, count] : other.errors_by_kind_) errors_by_kind_[kind] += count;
  first_errors_.merge(std::move(other.first_errors_));
  usage_problems_ += other.usage_problems_;
  first_usage_problem_.merge(std::move(other.first_usage_problem_));
  for (std::size_t i = 0; i < distributions_.size(); ++i) {
    distributions_[i].merge(std::move(other.distributions_[i]));
  }
  unqueued_dispatch_lag_ms_.merge(std::move(other.unqueued_dispatch_lag_ms_));
  incomplete_figures_.merge(std::move(other.incomplete_figures_));
  with_usage_ += other.with_usage_;
  output_tokens_ += other.output_tokens_;
  prompt_tokens_ += other.prompt_tokens_;
  slo_met_ += other.slo_met_;
  windowed_ = windowed_ || other.windowed_;
  dated_responses_ += other.dated_responses_;
  server_offset_low_s_ = std::max(server_offset_low_s_, other.server_offset_low_s_);
  server_offset_high_s_ = std::min(server_offset_high_s_, other.server_offset_high_s_);
  first_measured_scheduled_ = std::min(first_measured_scheduled_, other.first_measured_scheduled_);
  last_measured_done_ = std::max(last_measured_done_, other.last_measured_done_);
  // Moved a block at a time, so the two never hold every interval at once.
  while (!other.intervals_.empty()) {
    intervals_.push_back(other.intervals_.front());
    other.intervals_.pop_front();
  }
  if (other.chunks_per_bin_.size() > chunks_per_bin_.size()) {
    chunks_per_bin_.resize(other.chunks_per_bin_.size(), 0);
  }
  for (std::size_t bin = 0; bin < other.chunks_per_bin_.size(); ++bin) {
    chunks_per_bin_[bin] += other.chunks_per_bin_[bin];
  }
  other = RequestTally(origin_, slo_);
}

}  // namespace llmpace::metrics
