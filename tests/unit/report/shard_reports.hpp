// Synthetic shard reports: one constant-rate benchmark of `requests` deterministic records (varied
// TTFTs, token gaps, output lengths; some errored, some incomplete), and its split into the
// reports of N shards the way `--shard I/N` splits an open-loop run (request n to shard n mod N).
// The whole and the shards share one start, one wall-clock start and the same run section, so
// the merge of the shards can be compared with the whole.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/report/report.hpp"
#include "llmpace/report/report_merge.hpp"
#include "unit/metrics/record_factory.hpp"

namespace llmpace::test {

/// 2026-01-01T00:00:00Z: the wall-clock time of every synthetic benchmark's start.
inline const std::chrono::system_clock::time_point kWallStart =
    std::chrono::system_clock::time_point{} + std::chrono::seconds(1767225600);

inline constexpr double kRequestGapMs = 50;  // constant rate of 20 requests/s

/// Record `n` of the benchmark: scheduled every kRequestGapMs, errored every 25th, incomplete
/// (cut by the stop) among the last ones.
inline metrics::RequestRecord synthetic_record(std::uint64_t n, std::uint64_t requests) {
  const double scheduled_ms = static_cast<double>(n) * kRequestGapMs;
  metrics::RequestRecord record;
  record.index = n;
  record.scheduled = at_ms(scheduled_ms);
  record.dispatched = at_ms(scheduled_ms + 0.01 * static_cast<double>(n % 7));
  record.sent = at_ms(scheduled_ms + 0.05 + 0.02 * static_cast<double>(n % 5));
  const double sent_ms = to_ms(record.sent - at_ms(0));
  record.prompt_tokens = 100 + static_cast<std::int64_t>(n % 50);
  record.prompt_tokens_source = metrics::TokenCountSource::client;
  if (n % 25 == 3) {
    record.status = metrics::RequestStatus::errored;
    record.error_kind = n % 50 == 3 ? ErrorKind::http_status : ErrorKind::idle_timeout;
    record.error_message = fmt::format("error of request {}", n);
    record.done = at_ms(sent_ms + 5 + static_cast<double>(n % 11));
    return record;
  }
  const double ttft_ms = 20 + static_cast<double>((n * 37) % 97) + 0.001 * static_cast<double>(n);
  record.first_byte = at_ms(sent_ms + ttft_ms / 2);
  const std::uint64_t chunks = 2 + n % 6;
  double at = sent_ms + ttft_ms;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    record.token_chunk_times.push_back(at_ms(at));
    at += 8 + static_cast<double>((n * 13 + c * 7) % 17) * 0.75;
  }
  record.first_token = record.token_chunk_times.front();
  record.done = at_ms(at);
  record.output_tokens = static_cast<std::int64_t>(chunks);
  record.output_tokens_source =
      n % 2 == 0 ? metrics::TokenCountSource::server_usage : metrics::TokenCountSource::chunk_count;
  record.status =
      n + 3 >= requests ? metrics::RequestStatus::incomplete : metrics::RequestStatus::successful;
  return record;
}

/// The whole benchmark: `requests` records, ended when the last of them is done.
inline metrics::BenchmarkResult synthetic_benchmark(std::uint64_t requests) {
  metrics::BenchmarkResult result;
  result.profile = ProfileKind::constant;
  result.rate = 1000 / kRequestGapMs;
  result.start = at_ms(0);
  result.wall_start = kWallStart;
  result.slo.ttft_ms = 80.0;
  for (std::uint64_t n = 0; n < requests; ++n) {
    result.records.push_back(synthetic_record(n, requests));
  }
  result.end = result.start;
  for (const auto& record : result.records) result.end = std::max(result.end, record.done);
  return result;
}

/// Shard `index` of `count` of `whole`: its records n ≡ index (mod count), ended when its last
/// request is done.
inline metrics::BenchmarkResult shard_of(const metrics::BenchmarkResult& whole, std::size_t index,
                                         std::size_t count) {
  metrics::BenchmarkResult shard = whole;
  shard.records.clear();
  shard.end = shard.start;
  for (const auto& record : whole.records) {
    if (record.index % count != index) continue;
    shard.records.push_back(record);
    shard.end = std::max(shard.end, record.done);
  }
  return shard;
}

inline report::Report report_of(const metrics::BenchmarkResult& result,
                                std::optional<report::ShardPosition> position) {
  report::Report report;
  report.llmpace_version = "0.1.0-test";
  report.created_at = "2026-01-01T00:00:00Z";
  report.run = {{"target", "http://127.0.0.1:8000"},
                {"model", "m"},
                {"profile", "constant"},
                {"run_id", "run-1"}};
  if (position) report.run["shard"] = {{"index", position->index}, {"count", position->count}};
  report.host = {{"hostname", fmt::format("pod-{}", position ? position->index : 0)}};
  report.benchmarks.push_back(report::make_benchmark_report(result));
  return report;
}

/// The reports of the `count` shards of `whole`, each named shard_<i>.json.
inline std::vector<report::ShardReport> shard_reports(const metrics::BenchmarkResult& whole,
                                                      std::size_t count) {
  std::vector<report::ShardReport> shards;
  for (std::size_t i = 0; i < count; ++i) {
    shards.push_back({fmt::format("shard_{}.json", i),
                      report_of(shard_of(whole, i, count), report::ShardPosition{i, count})});
  }
  return shards;
}

}  // namespace llmpace::test
