// ProfileKind: which arrival profile a benchmark ran. The profile module schedules by it; metrics
// and reports carry it as a value (never as a string compared by name), so it sits in core, below
// all of them. Reports spell it with to_string(); a report read back goes through
// parse_profile_kind().
//
// Pure; safe from any thread.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace llmpace {

enum class ProfileKind { synchronous, concurrent, throughput, constant, poisson, replay };

inline constexpr std::array<ProfileKind, 6> kProfileKinds = {
    ProfileKind::synchronous, ProfileKind::concurrent, ProfileKind::throughput,
    ProfileKind::constant,    ProfileKind::poisson,    ProfileKind::replay};

/// The kind's name as flags and reports spell it ("synchronous"); "unknown" out of range.
constexpr std::string_view to_string(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::synchronous:
      return "synchronous";
    case ProfileKind::concurrent:
      return "concurrent";
    case ProfileKind::throughput:
      return "throughput";
    case ProfileKind::constant:
      return "constant";
    case ProfileKind::poisson:
      return "poisson";
    case ProfileKind::replay:
      return "replay";
  }
  return "unknown";
}

/// Parses a profile name (or "sync" for synchronous); nullopt when unknown.
constexpr std::optional<ProfileKind> parse_profile_kind(std::string_view text) {
  for (const ProfileKind kind : kProfileKinds) {
    if (text == to_string(kind)) return kind;
  }
  if (text == "sync") return ProfileKind::synchronous;
  return std::nullopt;
}

}  // namespace llmpace
