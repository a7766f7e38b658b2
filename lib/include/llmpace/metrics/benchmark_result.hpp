// BenchmarkResult: the raw outcome of one benchmark (one profile stage): what was asked for, when
// it ran, and its requests, tallied as they ended (RequestTally; every record only when asked).
// BenchmarkMetrics is computed from it by compute_metrics().
//
// Lifetime: produced by the engine's Runner after the benchmark ends; immutable afterwards.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/metrics/mergeable_data.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/request_tally.hpp"
#include "llmpace/metrics/slo.hpp"
#include "llmpace/metrics/summary.hpp"

namespace llmpace::metrics {

/// Why a benchmark ended.
enum class StopReason : std::uint8_t {
  requests_done,   // every request it was to send has finished (max_requests, or a drained end)
  max_seconds,     // its time limit passed
  max_errors,      // errors reached max_errors
  max_error_rate,  // errored / finished passed max_error_rate
  signal,          // SIGINT / SIGTERM
  over_saturated,  // --stop-on-saturation: the server's queue and TTFT kept growing
};

std::string_view to_string(StopReason reason);

struct BenchmarkResult {
  ProfileKind profile = ProfileKind::synchronous;
  std::optional<double> rate;  // streams for concurrent, req/s for open-loop; none for synchronous
  TimePoint start;             // first request scheduled
  /// The wall-clock (UTC) time at `start`, read once: places the benchmark on a clock other
  /// processes share (merging the shards of one run, docs/scale-out.md).
  std::chrono::system_clock::time_point wall_start;
  TimePoint end;             // last request done (or the run's stop)
  bool interrupted = false;  // stopped by a signal before its own limits
  StopReason stop_reason = StopReason::requests_done;
  int workers = 1;            // threads that sent this benchmark's requests
  std::uint64_t dropped = 0;  // open-loop arrivals not sent because the cap was full
  /// Objectives for goodput; empty: no goodput figures. The tally carries its own copy (it
  /// counts requests against it as they end): this one is what records are tallied against.
  Slo slo;
  /// Every request, as compute_metrics() needs it (the tally's SLO is `slo`).
  RequestTally tally;
  /// Every request's record, ordered by index: kept only when asked (RunnerOptions::keep_records)
  /// and built by hand in tests. compute_metrics() tallies them when `tally` is empty.
  std::vector<RequestRecord> records;
};

/// Requests of the measured window by how they ended, and those left out of it.
struct RequestCounts {
  std::size_t successful = 0;
  std::size_t incomplete = 0;
  std::size_t errored = 0;
  std::size_t warmup = 0;           // sent in the warmup: not in any statistic
  std::size_t cooldown = 0;         // sent in the cooldown: not in any statistic
  std::size_t dropped = 0;          // open-loop arrivals never sent (cap full, --when-full drop)
  std::size_t waited_for_slot = 0;  // measured requests that waited for a concurrency slot
  std::size_t total() const { return successful + incomplete + errored; }
};

/// A constant or poisson benchmark is client-limited when the p99 of its dispatch lag, over
/// measured requests that did not wait for a concurrency slot, exceeds this: the generator
/// itself fell behind the schedule (docs/metrics.md).
inline constexpr double kClientLimitedDispatchLagP99Ms = 1.0;

struct Throughput {
  double requests_per_s = 0;       // successful requests / duration
  double sent_requests_per_s = 0;  // requests sent (any outcome) / duration
  double output_tokens_per_s = 0;  // output tokens of successful requests / duration
  double total_tokens_per_s = 0;   // (prompt + output) tokens of successful requests / duration
};

/// Requests in flight (sent, not yet done) over the measured window.
struct Concurrency {
  double mean = 0;      // time-weighted: integral of in-flight requests / duration
  std::size_t max = 0;  // most at any instant
  /// Set by a merge of shard reports: `max` is the sum of the shards' maxima, an upper bound.
  bool max_is_upper_bound = false;
};

/// How the server's clock stood against this process's wall clock, bounded by the `Date` headers
/// of its responses (docs/metrics.md#the-servers-clock). A response dated D (whole seconds) was
/// made while the server's clock read [D, D + 1), at some instant between the request's `sent`
/// and its `first_byte`: so (server clock − wall clock) lies in [D − first_byte, D + 1 − sent]
/// for each, and in the intersection over all of them.
struct ServerClock {
  std::size_t responses = 0;  // responses with a Date header that were sent and answered
  double offset_low_s = 0;    // (server clock − this process's wall clock) >= this
  double offset_high_s = 0;   // ... <= this
  /// False when the bounds cross: a Date header was not the server's clock (a proxy's cache, a
  /// clock stepped during the benchmark), and no offset can be given.
  [[nodiscard]] bool consistent() const { return offset_low_s <= offset_high_s; }
  /// The middle of the bounds: within (offset_high_s − offset_low_s) / 2 of the true offset.
  [[nodiscard]] double offset_s() const { return (offset_low_s + offset_high_s) / 2; }
};

/// One bucket of a benchmark's timeline, for charts of how it went over time.
struct TimelinePoint {
  double start_s = 0;                  // bucket start, seconds from the measured window's start
  double concurrency_mean = 0;         // time-weighted requests in flight during the bucket
  std::size_t requests_completed = 0;  // successful requests that ended in the bucket
  double token_chunks_per_s = 0;       // token-carrying chunks received per second
};

/// Timeline buckets are 1 s long, longer for long benchmarks so there are at most this many.
inline constexpr std::size_t kMaxTimelinePoints = 300;

/// Requests that met every objective of the SLO, out of those that ended (successful or errored;
/// an errored request never meets it). Only when an SLO was given.
struct Goodput {
  std::string slo;  // Slo::to_string()
  std::size_t requests_met = 0;
  double fraction = 0;        // requests_met / (successful + errored)
  double requests_per_s = 0;  // requests_met / duration
};

/// Measured requests whose server `usage` object was wrong (RequestRecord::usage_problem). Their
/// counts were not taken from it: the output tokens came from the chunks.
struct UsageProblems {
  std::size_t requests = 0;  // measured requests, any status, with a usage problem
  /// The problem of the first of them (chosen as for first_error_by_kind); "" when none.
  std::string first_message;
};

/// What the measured incomplete requests (cancelled when the benchmark stopped) had measured by
/// then, kept apart from the successful requests' distributions: a saturated server may finish
/// no request in a short benchmark, yet first tokens and token gaps were seen
/// (docs/metrics.md#incomplete-requests). Requests cancelled before they were sent add nothing.
struct IncompleteFigures {
  std::size_t with_first_token = 0;  // incomplete requests that got a first token
  DistributionSummary ttft_ms;       // sent -> first token, those that got one
  DistributionSummary itl_ms;        // every gap between their consecutive token chunks, pooled
  /// sent -> stop, those sent that never got a first token: a lower bound of their TTFT.
  DistributionSummary waited_ms;
  DistributionSummary token_chunks;  // token chunks received per request, those with a first token
};

/// One distribution of IncompleteFigures, as DistributionField below.
struct IncompleteDistributionField {
  std::string_view name;
  DistributionSummary IncompleteFigures::*member;
};

inline constexpr std::array<IncompleteDistributionField, kIncompleteDistributionCount>
    kIncompleteDistributionFields{{
        {"ttft_ms", &IncompleteFigures::ttft_ms},
        {"itl_ms", &IncompleteFigures::itl_ms},
        {"waited_ms", &IncompleteFigures::waited_ms},
        {"token_chunks", &IncompleteFigures::token_chunks},
    }};

/// Statistics of one benchmark; definitions in docs/metrics.md. Every statistic covers the
/// measured window only (warmup and cooldown requests are counted, nothing more). Distributions
/// are over successful requests, except the lags (every request that was sent).
struct BenchmarkMetrics {
  /// end - start; with a warmup or cooldown, from the first measured request's scheduled start
  /// to the last measured request's end.
  double duration_s = 0;
  RequestCounts requests;
  /// ErrorKind name -> count, errored requests only.
  std::map<std::string, std::size_t> errors_by_kind;
  /// ErrorKind name -> error message of the kind's first errored request: the one that ended
  /// first (earliest `done`; on a tie, the lower index), among those that carry a message. A kind
  /// none of whose requests carried a message is absent. Messages are as the request recorded
  /// them (they come from the server or the network stack), made valid UTF-8.
  std::map<std::string, std::string> first_error_by_kind;
  UsageProblems usage_problems;
  DistributionSummary ttft_ms;          // sent -> first token
  DistributionSummary ttfb_ms;          // sent -> first byte
  DistributionSummary itl_ms;           // every gap between consecutive token-carrying chunks
  DistributionSummary itl_mean_ms;      // per request: (last - first token chunk) / (out - 1)
  DistributionSummary tpot_ms;          // per request: (done - first token) / (out - 1), vLLM's
  DistributionSummary latency_ms;       // sent -> done
  DistributionSummary send_lag_ms;      // scheduled -> sent, every request that was sent
  DistributionSummary dispatch_lag_ms;  // scheduled -> dispatched, every request
  DistributionSummary ttft_from_scheduled_ms;     // scheduled -> first token
  DistributionSummary latency_from_scheduled_ms;  // scheduled -> done
  DistributionSummary output_tokens;              // per request
  DistributionSummary prompt_tokens;              // per request
  IncompleteFigures incomplete;                   // never mixed into the distributions above
  Throughput throughput;
  Concurrency concurrency;
  double timeline_bucket_s = 0;  // length of each timeline bucket
  std::vector<TimelinePoint> timeline;
  /// False for a benchmark merged from shard reports: their timelines do not merge, so there is
  /// none (written as null), not an empty one.
  bool has_timeline = true;
  std::optional<Goodput> goodput;  // with an SLO only
  /// "server_usage" when every successful request had usage, "chunk_count" when none did,
  /// "mixed" otherwise, "none" when there were no successful requests.
  std::string output_tokens_source;
  /// The generator fell behind its schedule (kClientLimitedDispatchLagP99Ms).
  bool client_limited = false;
  /// Bounds on the server's clock against this process's; none when no response had a Date
  /// header (and in merged reports: each shard's is in its own report).
  std::optional<ServerClock> server_clock;
  /// What merging shard reports needs; absent when read from a report written before it.
  std::optional<MergeableData> mergeable;
};

/// One distribution of BenchmarkMetrics: its name in reports and the member holding it, in
/// report order. Writers and readers iterate over these.
struct DistributionField {
  std::string_view name;
  DistributionSummary BenchmarkMetrics::*member;
};

inline constexpr std::array<DistributionField, kDistributionCount> kDistributionFields{{
    {"ttft_ms", &BenchmarkMetrics::ttft_ms},
    {"itl_ms", &BenchmarkMetrics::itl_ms},
    {"itl_mean_ms", &BenchmarkMetrics::itl_mean_ms},
    {"tpot_ms", &BenchmarkMetrics::tpot_ms},
    {"latency_ms", &BenchmarkMetrics::latency_ms},
    {"ttfb_ms", &BenchmarkMetrics::ttfb_ms},
    {"ttft_from_scheduled_ms", &BenchmarkMetrics::ttft_from_scheduled_ms},
    {"latency_from_scheduled_ms", &BenchmarkMetrics::latency_from_scheduled_ms},
    {"send_lag_ms", &BenchmarkMetrics::send_lag_ms},
    {"dispatch_lag_ms", &BenchmarkMetrics::dispatch_lag_ms},
    {"output_tokens", &BenchmarkMetrics::output_tokens},
    {"prompt_tokens", &BenchmarkMetrics::prompt_tokens},
}};

/// The metrics of `result`: of its tally, or of its records when the tally is empty.
BenchmarkMetrics compute_metrics(const BenchmarkResult& result);
/// The metrics of `result`'s benchmark with `tally`'s requests.
BenchmarkMetrics compute_metrics(const BenchmarkResult& result, const RequestTally& tally);

}  // namespace llmpace::metrics
