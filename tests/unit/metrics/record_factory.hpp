// Builds synthetic RequestRecords on a fixed time base, so metric tests state times as plain
// milliseconds after the start. Header-only; shared by the metrics and report tests.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::test {

// Far from TimePoint{} (which means "unset") and identical on every run: golden files rely on it.
inline const TimePoint kBase = TimePoint{} + Seconds(1000);

inline TimePoint at_ms(double milliseconds) { return kBase + from_ms(milliseconds); }

/// A successful streamed request: scheduled and sent at `sent_ms`, headers after `ttfb_ms`,
/// one token chunk at each of `chunk_ms` (absolute), done at `done_ms`. Output tokens default
/// to one per chunk, counted from chunks.
inline metrics::RequestRecord successful_record(double sent_ms, double ttfb_ms,
                                                std::initializer_list<double> chunk_ms,
                                                double done_ms) {
  metrics::RequestRecord record;
  record.status = metrics::RequestStatus::successful;
  record.http_status = 200;
  record.scheduled = at_ms(sent_ms);
  record.sent = at_ms(sent_ms);
  record.first_byte = at_ms(sent_ms + ttfb_ms);
  for (const double ms : chunk_ms) record.token_chunk_times.push_back(at_ms(ms));
  if (!record.token_chunk_times.empty()) record.first_token = record.token_chunk_times.front();
  record.done = at_ms(done_ms);
  record.output_tokens = static_cast<std::int64_t>(chunk_ms.size());
  record.output_tokens_source = metrics::TokenCountSource::chunk_count;
  record.prompt_tokens = 100;
  record.prompt_tokens_source = metrics::TokenCountSource::client;
  record.finish_reason = "length";
  return record;
}

/// The same with the server's usage as the output token count.
inline metrics::RequestRecord with_usage(metrics::RequestRecord record,
                                         std::int64_t output_tokens) {
  record.output_tokens = output_tokens;
  record.output_tokens_source = metrics::TokenCountSource::server_usage;
  return record;
}

/// A request that failed with `kind` after being sent at `sent_ms` (no token).
inline metrics::RequestRecord errored_record(double sent_ms, ErrorKind kind, double done_ms) {
  metrics::RequestRecord record;
  record.status = metrics::RequestStatus::errored;
  record.error_kind = kind;
  record.scheduled = at_ms(sent_ms);
  record.sent = at_ms(sent_ms);
  record.done = at_ms(done_ms);
  return record;
}

/// A request cancelled by the run's stop after `chunk_ms` token chunks.
inline metrics::RequestRecord incomplete_record(double sent_ms,
                                                std::initializer_list<double> chunk_ms,
                                                double done_ms) {
  metrics::RequestRecord record = successful_record(sent_ms, 5, chunk_ms, done_ms);
  record.status = metrics::RequestStatus::incomplete;
  return record;
}

/// A benchmark of `profile` (rate 1) from 0 to `duration_ms` holding `records`.
inline metrics::BenchmarkResult result_of(std::vector<metrics::RequestRecord> records,
                                          double duration_ms = 1000,
                                          ProfileKind profile = ProfileKind::constant) {
  metrics::BenchmarkResult result;
  result.profile = profile;
  result.rate = 1.0;
  result.start = at_ms(0);
  result.end = at_ms(duration_ms);
  result.records = std::move(records);
  return result;
}

}  // namespace llmpace::test
