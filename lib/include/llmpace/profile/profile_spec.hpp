// ProfileSpec: which arrival profile one benchmark runs and with what constraints. Pure data.
//
//   synchronous  one request in flight; the next starts when the last ends
//   concurrent   `streams` closed loops, each starting a new request when its last ends
//   throughput   every request due at the start, at most `max_concurrency` in flight
//   constant     open loop: request n due at start + n / rate (after any rampup)
//   poisson      open loop: exponential gaps with mean 1 / rate from one seeded generator
//                (gamma gaps with shape `burstiness` when it is not 1)
//   replay       open loop: request n due at replay_offsets[n] (a trace's timestamps, scaled)
//
// Constraints apply to each benchmark, never to a whole run: it ends when max_requests have been
// started and finished, when max_duration has passed, or when the errors pass max_errors or
// max_error_rate, whichever comes first. In-flight requests at the end are cancelled and counted
// incomplete, or with `drain` allowed to finish (no new request starts). Requests in the warmup or
// cooldown `window` run but stay out of the statistics.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/metrics/time_window.hpp"

namespace llmpace::profile {

// ProfileKind, to_string(ProfileKind) and parse_profile_kind live in core (metrics and reports
// carry the kind too); they are named here as profile's own.
using llmpace::parse_profile_kind;
using llmpace::ProfileKind;
using llmpace::to_string;

/// True for the profiles whose arrivals follow a schedule rather than completions.
bool is_open_loop(ProfileKind kind);

inline constexpr int kDefaultThroughputConcurrency = 512;  // GuideLLM's default

/// What an open-loop arrival does when max_concurrency requests are already in flight.
enum class WhenFull {
  queue,  // wait for a free slot; the wait shows in the request's send lag
  drop,   // do not send it; counted as dropped
};

std::string_view to_string(WhenFull policy);
std::optional<WhenFull> parse_when_full(std::string_view text);

/// max_error_rate is judged only once this many requests have finished, so one early error
/// cannot end a benchmark.
inline constexpr std::uint64_t kMinRequestsForErrorRate = 10;

struct ProfileSpec {
  ProfileKind kind = ProfileKind::synchronous;
  int streams = 1;                       // concurrent: number of closed-loop streams
  double rate_per_s = 0;                 // constant, poisson: arrivals per second
  double burstiness = 1.0;               // poisson: gamma shape of the gaps (1 = exponential)
  Nanoseconds rampup{0};                 // constant, poisson: rate rises linearly over this period
  std::uint64_t seed = 42;               // poisson: seed of the arrival process
  std::optional<int> max_concurrency;    // open loop: cap on requests in flight
  WhenFull when_full = WhenFull::queue;  // open loop: what an arrival does at the cap
  std::optional<std::int64_t> max_requests;
  std::optional<Nanoseconds> max_duration;
  std::optional<std::int64_t> max_errors;  // stop once this many requests have errored
  std::optional<double> max_error_rate;    // stop once errored / finished exceeds this (0..1)
  bool drain = false;                      // at the end, let in-flight requests finish
  metrics::TimeWindow window;              // warmup and cooldown, excluded from statistics
  /// replay: when each request is due, from the start; shared by the workers' schedules.
  std::shared_ptr<const std::vector<Nanoseconds>> replay_offsets;

  /// The rate as reports show it: streams for concurrent, req/s for constant and poisson, none
  /// for synchronous and throughput.
  [[nodiscard]] std::optional<double> report_rate() const;
  /// The in-flight cap in force: max_concurrency, or 512 for throughput; none otherwise.
  [[nodiscard]] std::optional<int> concurrency_cap() const;
};

}  // namespace llmpace::profile
