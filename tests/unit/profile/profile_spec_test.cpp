#include "llmpace/profile/profile_spec.hpp"

#include <catch2/catch.hpp>

using namespace llmpace::profile;

TEST_CASE("profile names round-trip and unknown names are refused") {
  for (auto kind : {ProfileKind::synchronous, ProfileKind::concurrent}) {
    CHECK(parse_profile_kind(to_string(kind)) == kind);
  }
  CHECK(parse_profile_kind("sync") == ProfileKind::synchronous);
  CHECK_FALSE(parse_profile_kind("poisson-ish").has_value());
  CHECK_FALSE(parse_profile_kind("").has_value());
}

TEST_CASE("report rate is the stream count for concurrent and absent for synchronous") {
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 8;
  CHECK(spec.report_rate() == 8.0);
  spec.kind = ProfileKind::synchronous;
  CHECK_FALSE(spec.report_rate().has_value());
}
