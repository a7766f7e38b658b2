// ScaleOutPlan: how this process takes part in a benchmark shared by several (docs/scale-out.md):
// its shard, the run's name and the common start.
//
//   shard "I/N"      this process is shard I of N (0-based)
//   shards N         shard count N, the index from $JOB_COMPLETION_INDEX (a Kubernetes Indexed
//                    Job sets it in every pod)
//   run_id X         names the run; `report merge` refuses shards of different runs
//   start_at T       wait until T before the first benchmark: an RFC 3339 UTC instant
//                    ("2026-12-05T12:00:00Z", fractions of a second allowed) or "+30s" / "+2m"
//                    from now (this process's now: use an instant, or a start file, for pods)
//   start_file PATH  on a volume the shards share: shard 0 writes its start_at there, the other
//                    shards wait for it and start at the same instant; so too for every later
//                    benchmark (common_start.hpp)
//
// resolve_scale_out checks them against the benchmarks: a shard needs its own share of the work,
// so a sweep (whose rates come from its first stages), a synchronous profile, fewer streams, a
// smaller concurrency cap or a smaller --max-requests than there are shards are SettingErrors;
// so is a sharded run of several benchmarks without a start file.
//
// Pure but for the environment read through `getenv`; safe from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "llmpace/engine/shard.hpp"
#include "llmpace/profile/profile_plan.hpp"
#include "llmpace/scenario/run_settings.hpp"

namespace llmpace::plan {

struct ScaleOutPlan {
  engine::Shard shard;
  std::string run_id;  // empty when not given
  std::optional<std::chrono::system_clock::time_point> start_at;
  std::string start_at_text;  // as given
  std::string start_file;     // empty when not given
};

/// The most shards a benchmark may be split into.
inline constexpr int kMaxShards = 4096;

using Getenv = std::function<const char*(const char*)>;

/// Throws SettingError naming "shard", "shards", "start_at" or the profile setting in the way.
/// `now` resolves a relative start_at.
ScaleOutPlan resolve_scale_out(const scenario::RunSettings& settings,
                               const profile::ProfilePlan& profiles,
                               std::chrono::system_clock::time_point now,
                               const Getenv& getenv = &std::getenv);

/// An RFC 3339 instant ("2026-12-05T12:00:00Z", "...T13:00:00.25+01:00"), or nullopt.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

/// `instant` as RFC 3339 UTC with milliseconds: "2026-12-05T12:00:00.000Z".
std::string format_rfc3339_ms(std::chrono::system_clock::time_point instant);

}  // namespace llmpace::plan
