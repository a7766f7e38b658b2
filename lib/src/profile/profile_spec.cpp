#include "llmpace/profile/profile_spec.hpp"

namespace llmpace::profile {

std::string_view to_string(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::synchronous:
      return "synchronous";
    case ProfileKind::concurrent:
      return "concurrent";
  }
  return "unknown";
}

std::optional<ProfileKind> parse_profile_kind(std::string_view text) {
  if (text == "synchronous" || text == "sync") return ProfileKind::synchronous;
  if (text == "concurrent") return ProfileKind::concurrent;
  return std::nullopt;
}

std::optional<double> ProfileSpec::report_rate() const {
  if (kind == ProfileKind::concurrent) return static_cast<double>(streams);
  return std::nullopt;
}

}  // namespace llmpace::profile
