#include "llmpace/prom/grouping.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

namespace llmpace::prom {
namespace {

TEST_CASE("grouping_path names job, suite, variant and scenario in that order") {
  const Grouping grouping{.suite = "mistral-small-24b", .variant = "int4", .scenario = "chat"};
  CHECK(grouping_path(grouping) ==
        "/metrics/job/llmpace/suite/mistral-small-24b/variant/int4/scenario/chat");
}

TEST_CASE("grouping_path sends a value with a slash or an empty value in base64") {
  const Grouping grouping{.suite = "adhoc", .variant = "mistralai/Mistral-Small", .scenario = ""};
  CHECK(grouping_path(grouping) ==
        "/metrics/job/llmpace/suite/adhoc/variant@base64/bWlzdHJhbGFpL01pc3RyYWwtU21hbGw"
        "/scenario@base64/=");
}

TEST_CASE("base64url matches RFC 4648 test vectors without padding") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("foob") == "Zm9vYg");
  CHECK(base64url("fooba") == "Zm9vYmE");
  CHECK(base64url("foobar") == "Zm9vYmFy");
  CHECK(base64url("\xfb\xff") == "-_8");  // the URL-safe alphabet, not + and /
}

TEST_CASE("adhoc_grouping uses the model as variant and the scenario file's stem") {
  const Grouping from_file = adhoc_grouping("m", "scenarios/chat.yaml");
  CHECK(from_file.suite == "adhoc");
  CHECK(from_file.variant == "m");
  CHECK(from_file.scenario == "chat");
  CHECK(adhoc_grouping("m", "").scenario == "adhoc");
}

TEST_CASE("check_info_labels accepts label names and refuses bad or taken ones") {
  CHECK_NOTHROW(check_info_labels({{"quantization", "int4"}, {"gpu_count", "1"}}));
  CHECK_THROWS_WITH(check_info_labels({{"1bad", "x"}}), Catch::Contains("'1bad'"));
  CHECK_THROWS_WITH(check_info_labels({{"__name__", "x"}}), Catch::Contains("not a Prometheus"));
  CHECK_THROWS_WITH(check_info_labels({{"a-b", "x"}}), Catch::Contains("not a Prometheus"));
  CHECK_THROWS_WITH(check_info_labels({{"model", "x"}}), Catch::Contains("use this label"));
  CHECK_THROWS_AS(check_info_labels({{"variant", "x"}}), ConfigError);
}

}  // namespace
}  // namespace llmpace::prom
