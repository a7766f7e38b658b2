// TimeWindow: which requests fall in a benchmark's warmup or cooldown and are left out of its
// statistics (they are still sent and recorded).
//
// --warmup and --cooldown take seconds ("30", "2.5") or a percentage ("10%") of the benchmark:
// of --max-seconds when it is set, otherwise of --max-requests. A time edge is judged by the
// request's start offset from the benchmark start (the scheduled offset for open-loop profiles,
// the actual start for closed-loop ones); a request-count edge by the request's index.
//
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "llmpace/core/time.hpp"

namespace llmpace::metrics {

/// A parsed --warmup or --cooldown value, not yet tied to a benchmark's limits.
struct WarmupSpec {
  enum class Kind { none, seconds, fraction };
  Kind kind = Kind::none;
  double value = 0.0;  // seconds, or a fraction in [0, 1]
};
using CooldownSpec = WarmupSpec;

/// Parses "30", "2.5" (seconds) or "10%". `flag` ("--warmup", "--cooldown") names the value in the
/// ConfigError thrown on anything else, including negative values and percentages above 100%.
WarmupSpec parse_window_spec(std::string_view text, std::string_view flag);

enum class WindowPhase { warmup, measured, cooldown };

/// The benchmark's limits as far as the edges need them.
struct BenchmarkBounds {
  std::optional<Nanoseconds> max_duration;
  std::optional<std::int64_t> max_requests;
};

class TimeWindow {
 public:
  /// No warmup and no cooldown: every request is measured.
  TimeWindow() = default;

  /// Ties the edges to the benchmark's limits. Throws ConfigError when an edge cannot be placed
  /// (a percentage with neither limit, a cooldown in seconds without --max-seconds) or when the
  /// two edges together leave nothing to measure.
  static TimeWindow resolve(WarmupSpec warmup, CooldownSpec cooldown, BenchmarkBounds bounds);

  /// Where request `index`, starting at `start_offset` from the benchmark start, falls.
  [[nodiscard]] WindowPhase phase_of(Nanoseconds start_offset, std::uint64_t index) const;
  /// True when there is neither a warmup nor a cooldown.
  [[nodiscard]] bool empty() const {
    return !warmup_end_offset_ && !warmup_end_index_ && !cooldown_start_offset_ &&
           !cooldown_start_index_;
  }
  /// True when the request counts in the statistics.
  [[nodiscard]] bool is_measured(Nanoseconds start_offset, std::uint64_t index) const {
    return phase_of(start_offset, index) == WindowPhase::measured;
  }

 private:
  // Warmup: requests before these are excluded. Cooldown: requests at or after them are.
  std::optional<Nanoseconds> warmup_end_offset_;
  std::optional<std::uint64_t> warmup_end_index_;
  std::optional<Nanoseconds> cooldown_start_offset_;
  std::optional<std::uint64_t> cooldown_start_index_;
};

}  // namespace llmpace::metrics
