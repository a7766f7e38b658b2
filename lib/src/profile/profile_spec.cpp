#include "llmpace/profile/profile_spec.hpp"

namespace llmpace::profile {

bool is_open_loop(ProfileKind kind) {
  return kind == ProfileKind::throughput || kind == ProfileKind::constant ||
         kind == ProfileKind::poisson || kind == ProfileKind::replay;
}

std::string_view to_string(WhenFull policy) { return policy == WhenFull::drop ? "drop" : "queue"; }

std::optional<WhenFull> parse_when_full(std::string_view text) {
  if (text == "queue") return WhenFull::queue;
  if (text == "drop") return WhenFull::drop;
  return std::nullopt;
}

std::optional<double> ProfileSpec::report_rate() const {
  switch (kind) {
    case ProfileKind::concurrent:
      return static_cast<double>(streams);
    case ProfileKind::constant:
    case ProfileKind::poisson:
      return rate_per_s;
    case ProfileKind::synchronous:
    case ProfileKind::throughput:
    case ProfileKind::replay:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<int> ProfileSpec::concurrency_cap() const {
  if (max_concurrency) return max_concurrency;
  if (kind == ProfileKind::throughput) return kDefaultThroughputConcurrency;
  return std::nullopt;
}

}  // namespace llmpace::profile
