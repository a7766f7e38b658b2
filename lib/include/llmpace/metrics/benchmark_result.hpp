// BenchmarkResult: the raw outcome of one benchmark (one profile stage): what was asked for, when
// it ran, and every request record. BenchmarkMetrics is computed from it by compute_metrics().
//
// Lifetime: produced by the engine's Runner after the benchmark ends; immutable afterwards.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/summary.hpp"

namespace llmpace::metrics {

struct BenchmarkResult {
  std::string profile;         // "synchronous", "concurrent", ...
  std::optional<double> rate;  // streams for concurrent, req/s for open-loop; none for synchronous
  TimePoint start;             // first request scheduled
  TimePoint end;               // last request done (or the run's stop)
  bool interrupted = false;    // stopped by a signal before its own limits
  std::vector<RequestRecord> records;
};

struct RequestCounts {
  std::size_t successful = 0;
  std::size_t incomplete = 0;
  std::size_t errored = 0;
  std::size_t total() const { return successful + incomplete + errored; }
};

struct Throughput {
  double requests_per_s = 0;       // successful requests / duration
  double output_tokens_per_s = 0;  // output tokens of successful requests / duration
  double total_tokens_per_s = 0;   // (prompt + output) tokens of successful requests / duration
};

/// Statistics of one benchmark; definitions in docs/metrics.md. Distributions are over
/// successful requests only, except send_lag_ms (every request that was sent).
struct BenchmarkMetrics {
  double duration_s = 0;  // end - start
  RequestCounts requests;
  /// ErrorKind name -> count, errored requests only.
  std::map<std::string, std::size_t> errors_by_kind;
  DistributionSummary ttft_ms;        // sent -> first token
  DistributionSummary ttfb_ms;        // sent -> first byte
  DistributionSummary itl_ms;         // every gap between consecutive token-carrying chunks
  DistributionSummary tpot_ms;        // (last - first token chunk) / (output_tokens - 1)
  DistributionSummary latency_ms;     // sent -> done
  DistributionSummary send_lag_ms;    // scheduled -> sent, every request that was sent
  DistributionSummary output_tokens;  // per request
  DistributionSummary prompt_tokens;  // per request
  Throughput throughput;
  /// "server_usage" when every successful request had usage, "chunk_count" when none did,
  /// "mixed" otherwise, "none" when there were no successful requests.
  std::string output_tokens_source;
};

BenchmarkMetrics compute_metrics(const BenchmarkResult& result);

}  // namespace llmpace::metrics
