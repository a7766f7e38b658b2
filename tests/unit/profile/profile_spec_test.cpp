#include "llmpace/profile/profile_spec.hpp"

#include <catch2/catch.hpp>

using namespace llmpace::profile;

TEST_CASE("profile names round-trip and unknown names are refused") {
  for (auto kind : {ProfileKind::synchronous, ProfileKind::concurrent, ProfileKind::throughput,
                    ProfileKind::constant, ProfileKind::poisson}) {
    CHECK(parse_profile_kind(to_string(kind)) == kind);
  }
  CHECK(parse_profile_kind("sync") == ProfileKind::synchronous);
  CHECK_FALSE(parse_profile_kind("poisson-ish").has_value());
  CHECK_FALSE(parse_profile_kind("").has_value());
}

TEST_CASE("open-loop profiles are told apart from closed-loop ones") {
  CHECK_FALSE(is_open_loop(ProfileKind::synchronous));
  CHECK_FALSE(is_open_loop(ProfileKind::concurrent));
  CHECK(is_open_loop(ProfileKind::throughput));
  CHECK(is_open_loop(ProfileKind::constant));
  CHECK(is_open_loop(ProfileKind::poisson));
}

TEST_CASE("report rate: streams for concurrent, req/s for open loop, none otherwise") {
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 8;
  CHECK(spec.report_rate() == 8.0);
  spec.kind = ProfileKind::poisson;
  spec.rate_per_s = 2.5;
  CHECK(spec.report_rate() == 2.5);
  spec.kind = ProfileKind::synchronous;
  CHECK_FALSE(spec.report_rate().has_value());
  spec.kind = ProfileKind::throughput;
  CHECK_FALSE(spec.report_rate().has_value());
}

TEST_CASE("throughput is capped at 512 in flight unless told otherwise") {
  ProfileSpec spec;
  spec.kind = ProfileKind::throughput;
  CHECK(spec.concurrency_cap() == 512);
  spec.max_concurrency = 16;
  CHECK(spec.concurrency_cap() == 16);
  spec.kind = ProfileKind::constant;
  spec.max_concurrency.reset();
  CHECK_FALSE(spec.concurrency_cap().has_value());
}
