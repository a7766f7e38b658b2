// ProfileSpec: which arrival profile a benchmark runs and with what constraints. Pure data.
//
//   synchronous  one request in flight; the next starts when the last ends
//   concurrent   `streams` closed loops, each starting a new request when its last ends
//
// Constraints apply to each benchmark: it ends when max_requests have been started and finished,
// or when max_duration has passed (in-flight requests are then cancelled and counted incomplete),
// whichever comes first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "llmpace/core/time.hpp"

namespace llmpace::profile {

enum class ProfileKind { synchronous, concurrent };

std::string_view to_string(ProfileKind kind);
/// Parses a profile name; nullopt when unknown.
std::optional<ProfileKind> parse_profile_kind(std::string_view text);

struct ProfileSpec {
  ProfileKind kind = ProfileKind::synchronous;
  int streams = 1;  // concurrent: number of closed-loop streams; synchronous: 1
  std::optional<std::int64_t> max_requests;
  std::optional<Nanoseconds> max_duration;

  /// The rate as reports show it: streams for concurrent, none for synchronous.
  [[nodiscard]] std::optional<double> report_rate() const;
};

}  // namespace llmpace::profile
