// ProfilePlan: the benchmarks a run is made of, from the profile settings (flag-neutral).
//
//   profile concurrent, rate 1,4,16   three benchmarks, one per value
//   profile sweep, rate 10            synchronous, throughput, then 8 open-loop rates between
//                                     their measured req/s (computed while the run goes on)
//   profile replay, data trace.jsonl  one benchmark sending each row at its timestamp
//
// Errors are SettingErrors naming the setting's key ("rate", "max_seconds"); the front end says
// which flag or file line that was. Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/profile/profile_spec.hpp"

namespace llmpace::profile {

struct ProfileSettings {
  std::string profile = "synchronous";
  std::string rate;  // as given: "8", "1,2,4"; empty when not given
  std::optional<std::int64_t> max_concurrency;
  double burstiness = 1.0;
  double rampup_s = 0;
  std::string sweep_strategy = "constant";
  std::uint64_t seed = 42;
  std::optional<std::int64_t> max_requests;
  std::optional<double> max_seconds;
  std::optional<std::int64_t> max_errors;
  std::optional<double> max_error_rate;
  bool drain = false;
  std::string when_full = "queue";
  std::string warmup;    // as given: "30", "10%"; empty when not given
  std::string cooldown;  // likewise
  /// replay: the dataset's timestamps from its first row, already scaled by time_scale.
  std::shared_ptr<const std::vector<Nanoseconds>> replay_offsets;
};

/// A sweep with neither max_seconds nor max_requests runs each stage this long.
inline constexpr double kDefaultSweepStageSeconds = 30;

struct SweepPlan {
  int benchmark_count = 10;                      // K, all stages included
  ProfileKind strategy = ProfileKind::constant;  // of the rate stages
};

struct ProfilePlan {
  /// Benchmarks to run in order. For a sweep: the synchronous and throughput stages; the rate
  /// stages are added by sweep_stage() once their rates are known.
  std::vector<ProfileSpec> benchmarks;
  std::optional<SweepPlan> sweep;
  std::string description;         // for the start line, e.g. "constant at 1, 2, 4 req/s"
  std::string limits_description;  // e.g. "200 requests or 60 s per benchmark"

  /// Benchmarks the run will have: a sweep's K, else benchmarks.size().
  [[nodiscard]] std::size_t benchmark_count() const;
};

/// Checks the settings and builds the plan. Throws SettingError.
ProfilePlan resolve_profile_plan(const ProfileSettings& settings);

/// A sweep's rate stage: the plan's first benchmark (its limits and seed) at `rate_per_s`.
ProfileSpec sweep_stage(const ProfilePlan& plan, double rate_per_s);

/// One benchmark for progress lines: "constant 4.5 req/s", "concurrent (8 streams)".
std::string describe(const ProfileSpec& spec);

}  // namespace llmpace::profile
