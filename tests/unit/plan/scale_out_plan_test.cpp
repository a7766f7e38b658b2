// Scale-out settings: --shard, --shards with $JOB_COMPLETION_INDEX, --run-id and --start-at,
// and the profiles that cannot be shared between shards.
#include "llmpace/plan/scale_out_plan.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <string>

#include "llmpace/core/setting_error.hpp"
#include "llmpace/plan/run_plan.hpp"

using namespace llmpace;
using Catch::Matchers::Contains;
using std::chrono::system_clock;

namespace {

/// A fixed "now": 2026-12-05T12:00:00Z.
const system_clock::time_point kNow = system_clock::from_time_t(1796472000);

scenario::RunSettings sharded_constant(std::string shard) {
  scenario::RunSettings settings;
  settings.target = "http://127.0.0.1:9";
  settings.profile = "constant";
  settings.rate = "10";
  settings.max_requests = 100;
  settings.shard = std::move(shard);
  return settings;
}

plan::Getenv environment(std::map<std::string, std::string> variables) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(variables));
  return [shared](const char* name) -> const char* {
    const auto found = shared->find(name);
    return found == shared->end() ? nullptr : found->second.c_str();
  };
}

plan::ScaleOutPlan resolve(const scenario::RunSettings& given,
                           const plan::Getenv& getenv = environment({})) {
  const scenario::RunSettings settings =
      scenario::overlay(scenario::RunSettings::defaults(), given);
  // The run plan for the profiles only: its own scale-out reads the real environment.
  scenario::RunSettings unsharded = given;
  unsharded.shard.reset();
  unsharded.shards.reset();
  const plan::RunPlan plan = plan::resolve_run_plan(unsharded);
  return plan::resolve_scale_out(settings, plan.profiles, kNow, getenv);
}

/// The SettingError resolving `settings` raises, as "key: message" (FAILs when none).
std::string error_of(const scenario::RunSettings& settings,
                     const plan::Getenv& getenv = environment({})) {
  try {
    resolve(settings, getenv);
  } catch (const SettingError& error) {
    return error.setting() + ": " + error.message();
  }
  FAIL("no SettingError");
  return "";
}

}  // namespace

TEST_CASE("shard I/N gives shard I of N, and none means one process") {
  const auto plan = resolve(sharded_constant("2/4"));
  CHECK(plan.shard.index == 2);
  CHECK(plan.shard.count == 4);
  CHECK(plan.shard.sharded());
  scenario::RunSettings unsharded = sharded_constant("");
  unsharded.shard.reset();
  CHECK_FALSE(resolve(unsharded).shard.sharded());
  CHECK(resolve(sharded_constant("0/1")).shard.count == 1);
}

TEST_CASE("shards N takes the index from $JOB_COMPLETION_INDEX") {
  scenario::RunSettings settings = sharded_constant("");
  settings.shard.reset();
  settings.shards = 4;
  const auto plan = resolve(settings, environment({{"JOB_COMPLETION_INDEX", "3"}}));
  CHECK(plan.shard.index == 3);
  CHECK(plan.shard.count == 4);
  CHECK_THAT(error_of(settings), Contains("shards: needs $JOB_COMPLETION_INDEX"));
  CHECK_THAT(error_of(settings, environment({{"JOB_COMPLETION_INDEX", "4"}})),
             Contains("'4' is not from 0 to 3"));
  CHECK_THAT(error_of(settings, environment({{"JOB_COMPLETION_INDEX", "x"}})),
             Contains("'x' is not from 0 to 3"));
  settings.shard = "0/4";
  CHECK_THAT(error_of(settings), Contains("not both"));
}

TEST_CASE("bad shards and profiles that cannot be shared are errors naming the setting") {
  for (const char* text : {"4/4", "-1/4", "1/0", "1", "1/", "/4", "a/b", "1/4x", "0/5000"}) {
    INFO(text);
    CHECK_THAT(error_of(sharded_constant(text)), Contains("shard: "));
  }
  auto sweep = sharded_constant("0/2");
  sweep.profile = "sweep";
  CHECK_THAT(error_of(sweep), Contains("profile: a sweep cannot be sharded"));
  auto synchronous = sharded_constant("0/2");
  synchronous.profile = "synchronous";
  synchronous.rate.reset();
  CHECK_THAT(error_of(synchronous), Contains("profile: synchronous"));
  auto few_streams = sharded_constant("0/4");
  few_streams.profile = "concurrent";
  few_streams.rate = "8,3";
  CHECK_THAT(error_of(few_streams), Contains("rate: 3 streams cannot be shared by 4 shards"));
  auto small_cap = sharded_constant("0/4");
  small_cap.max_concurrency = 3;
  CHECK_THAT(error_of(small_cap), Contains("max_concurrency: 3 cannot be shared"));
  auto few_requests = sharded_constant("0/4");
  few_requests.max_requests = 3;
  CHECK_THAT(error_of(few_requests), Contains("max_requests: 3 cannot be shared"));
}

TEST_CASE("start_at takes an RFC 3339 instant or +SECONDS from now") {
  auto settings = sharded_constant("0/2");
  settings.start_at = "+30s";
  CHECK(resolve(settings).start_at == kNow + std::chrono::seconds{30});
  settings.start_at = "+2m";
  CHECK(resolve(settings).start_at == kNow + std::chrono::minutes{2});
  settings.start_at = "2026-12-05T12:00:10.250Z";
  CHECK(resolve(settings).start_at == kNow + std::chrono::milliseconds{10250});
  settings.start_at = "2026-12-05T13:00:10+01:00";
  CHECK(resolve(settings).start_at == kNow + std::chrono::seconds{10});
  CHECK(plan::format_rfc3339_ms(kNow + std::chrono::milliseconds{10250}) ==
        "2026-12-05T12:00:10.250Z");
  for (const char* text :
       {"tomorrow", "+", "+-5s", "+2d", "2026-02-30T00:00:00Z", "2026-12-05 12:00:00Z",
        "2026-12-05T12:00:00", "2026-12-05T24:00:00Z", "+100000s"}) {
    INFO(text);
    settings.start_at = text;
    CHECK_THAT(error_of(settings), Contains("start_at: expected an RFC 3339 instant"));
  }
}

TEST_CASE("the run section names the shard and the run, the scenario stays the same for all") {
  auto settings = sharded_constant("1/3");
  settings.run_id = "nightly-42";
  settings.start_at = "+1s";
  const plan::RunPlan plan = plan::resolve_run_plan(settings);
  CHECK(plan.run_config.at("shard") == nlohmann::json{{"index", 1}, {"count", 3}});
  CHECK(plan.run_config.at("run_id") == "nightly-42");
  CHECK(plan.run_config.at("start_at") == "+1s");
  const nlohmann::json scenario = plan::resolved_scenario(plan).settings;
  for (const char* key : {"shard", "shards", "run_id", "start_at"}) {
    CHECK_FALSE(scenario.contains(key));
  }
  CHECK_FALSE(scenario.contains("start_file"));
  settings.start_at.reset();
  settings.start_file = "/results/run/start";
  CHECK_THAT(error_of(settings), Contains("start_file: needs {start_at}"));
  settings.start_file.reset();
  settings.start_at = "+1s";
  settings.rate = "5,10";
  CHECK_THAT(error_of(settings),
             Contains("start_file: a sharded run of 2 benchmarks needs {start_file}"));
  settings.start_file = "/results/run/start";
  CHECK(resolve(settings).start_file == "/results/run/start");
  settings.start_file.reset();
  settings.rate = "10";
  settings.run_id = std::string(201, 'x');
  CHECK_THAT(error_of(settings), Contains("run_id: "));
}
