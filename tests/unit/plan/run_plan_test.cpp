// Plan resolution in the library: every profile, and every error naming its setting, without a
// process or a socket.
#include "llmpace/plan/run_plan.hpp"

#include <catch2/catch.hpp>
#include <functional>

#include "llmpace/core/setting_error.hpp"

using namespace llmpace;
using namespace llmpace::scenario;
using Catch::Matchers::Contains;
using llmpace::profile::ProfileKind;

namespace {

RunSettings base() {
  RunSettings settings;
  settings.target = "http://127.0.0.1:9";
  settings.max_requests = 20;
  return settings;
}

RunSettings with(std::function<void(RunSettings&)> change) {
  RunSettings settings = base();
  change(settings);
  return settings;
}

/// The SettingError resolving `settings` raises (FAILs when none).
SettingError error_of(const RunSettings& settings) {
  try {
    plan::resolve_run_plan(settings);
  } catch (const SettingError& error) {
    return error;
  }
  FAIL("no SettingError");
  return SettingError("", "");
}

}  // namespace

TEST_CASE("defaults: one synchronous benchmark of the default workload") {
  const plan::RunPlan plan = plan::resolve_run_plan(base());
  REQUIRE(plan.profiles.benchmarks.size() == 1);
  CHECK(plan.profiles.benchmarks[0].kind == ProfileKind::synchronous);
  CHECK(plan.profiles.benchmarks[0].max_requests == 20);
  CHECK(plan.settings.seed == 42U);
  CHECK(plan.settings.api == "chat");
  REQUIRE(plan.workload.synthetic);
  CHECK(plan.workload.synthetic->prompt.mean == 256);
  CHECK_FALSE(plan.embedded_sim);
  CHECK(plan.threads >= 1);
  CHECK(plan.settings.threads == plan.threads);  // the scenario records what ran
}

TEST_CASE("every profile resolves to its benchmarks") {
  SECTION("concurrent: one benchmark per stream count") {
    const auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
      s.profile = "concurrent";
      s.rate = "1,4,16";
    }));
    REQUIRE(plan.profiles.benchmarks.size() == 3);
    CHECK(plan.profiles.benchmarks[2].streams == 16);
    CHECK(plan.profiles.benchmarks[2].kind == ProfileKind::concurrent);
  }
  SECTION("throughput: capped at 512 unless told") {
    const auto plan =
        plan::resolve_run_plan(with([](RunSettings& s) { s.profile = "throughput"; }));
    CHECK(plan.profiles.benchmarks[0].concurrency_cap() == 512);
  }
  SECTION("constant and poisson: one benchmark per rate, with rampup and burstiness") {
    const auto constant = plan::resolve_run_plan(with([](RunSettings& s) {
      s.profile = "constant";
      s.rate = "2.5";
      s.rampup = 3;
    }));
    CHECK(constant.profiles.benchmarks[0].rate_per_s == 2.5);
    CHECK(constant.profiles.benchmarks[0].rampup == std::chrono::seconds(3));
    const auto poisson = plan::resolve_run_plan(with([](RunSettings& s) {
      s.profile = "poisson";
      s.rate = "1,2";
      s.burstiness = 4;
      s.seed = 9;
    }));
    REQUIRE(poisson.profiles.benchmarks.size() == 2);
    CHECK(poisson.profiles.benchmarks[1].burstiness == 4);
    CHECK(poisson.profiles.benchmarks[1].seed == 9U);
  }
  SECTION("sweep: synchronous and throughput first, K benchmarks in all") {
    const auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
      s.profile = "sweep";
      s.rate = "5";
      s.sweep_strategy = "poisson";
    }));
    REQUIRE(plan.profiles.benchmarks.size() == 2);
    CHECK(plan.profiles.benchmarks[0].kind == ProfileKind::synchronous);
    CHECK(plan.profiles.benchmarks[1].kind == ProfileKind::throughput);
    CHECK(plan.profiles.benchmark_count() == 5);
    CHECK(profile::sweep_stage(plan.profiles, 3.0).kind == ProfileKind::poisson);
  }
  SECTION("a sweep without limits runs 30 s per stage") {
    const auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
      s.profile = "sweep";
      s.max_requests.reset();
    }));
    CHECK(plan.profiles.benchmarks[0].max_duration == std::chrono::seconds(30));
  }
  SECTION("synchronous with warmup and cooldown windows") {
    const auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
      s.max_seconds = 60;
      s.warmup = "10%";
      s.cooldown = "5";
    }));
    CHECK_FALSE(plan.profiles.benchmarks[0].window.empty());
  }
}

TEST_CASE("target sim resolves the embedded simulator's options") {
  const auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
    s.target = "sim";
    s.sim_ttft_ms = 5;
    s.seed = 3;
  }));
  REQUIRE(plan.embedded_sim);
  CHECK(plan.embedded_sim->ttft == std::chrono::milliseconds(5));
  CHECK(plan.embedded_sim->seed == 3U);
  CHECK(plan.run_config["target"] == "sim");
}

TEST_CASE("the resolved scenario keeps references, drops literal secrets and outputs") {
  ::setenv("LLMPACE_PLAN_TEST_TOKEN", "abc", 1);
  auto plan = plan::resolve_run_plan(with([](RunSettings& s) {
    s.api_key = "sk-literal";
    s.header = std::vector<std::string>{"Authorization: Bearer ${env:LLMPACE_PLAN_TEST_TOKEN}"};
    s.output = std::vector<std::string>{"r.json"};
  }));
  CHECK(plan.target.client.api_key == "sk-literal");
  CHECK(plan.target.client.extra_headers.at(0).value == "Bearer abc");
  plan.target.model = "m";
  const plan::ResolvedScenario scenario = plan::resolved_scenario(plan);
  CHECK(scenario.settings["header"][0] == "Authorization: Bearer ${env:LLMPACE_PLAN_TEST_TOKEN}");
  CHECK_FALSE(scenario.settings.contains("api_key"));
  CHECK_FALSE(scenario.settings.contains("output"));
  CHECK(scenario.settings["model"] == "m");
  CHECK(scenario.omitted == std::vector<std::string>{"api_key"});
}

TEST_CASE("every bad setting is an error naming it") {
  struct Case {
    std::function<void(RunSettings&)> change;
    std::string setting;
    std::string words;
  };
  const std::vector<Case> cases = {
      {[](RunSettings& s) { s.target.reset(); }, "target", "is required"},
      {[](RunSettings& s) { s.target = "ftp://x"; }, "target", "unsupported scheme"},
      {[](RunSettings& s) { s.api = "embeddings"; }, "api", "unknown API"},
      {[](RunSettings& s) { s.header = std::vector<std::string>{"no colon"}; }, "header",
       "Name: value"},
      {[](RunSettings& s) { s.header = std::vector<std::string>{"A: ${env:LLMPACE_UNSET_X}"}; },
       "header", "not set"},
      {[](RunSettings& s) { s.api_key = "${file:/nonexistent/key}"; }, "api_key", "cannot read"},
      {[](RunSettings& s) { s.request_timeout = 0; }, "request_timeout", "positive"},
      {[](RunSettings& s) { s.connect_timeout = 1e300; }, "connect_timeout", "positive"},
      {[](RunSettings& s) { s.idle_timeout = -1; }, "idle_timeout", "positive"},
      {[](RunSettings& s) { s.profile = "wobbly"; }, "profile", "unknown profile"},
      {[](RunSettings& s) { s.max_requests.reset(); }, "", "{max_requests} or {max_seconds}"},
      {[](RunSettings& s) { s.max_requests = 0; }, "max_requests", "at least 1"},
      {[](RunSettings& s) { s.max_seconds = -3; }, "max_seconds", "positive"},
      {[](RunSettings& s) { s.profile = "concurrent"; }, "rate", "parallel streams"},
      {[](RunSettings& s) {
         s.profile = "concurrent";
         s.rate = "2.5";
       },
       "rate", "whole number"},
      {[](RunSettings& s) {
         s.profile = "constant";
         s.rate = "1,x";
       },
       "rate", "positive numbers"},
      {[](RunSettings& s) { s.profile = "poisson"; }, "rate", "requests per second"},
      {[](RunSettings& s) { s.rate = "3"; }, "rate", "does not apply"},
      {[](RunSettings& s) {
         s.profile = "sweep";
         s.rate = "1";
       },
       "rate", "from 2 to 100"},
      {[](RunSettings& s) {
         s.profile = "sweep";
         s.sweep_strategy = "linear";
       },
       "sweep_strategy", "constant or poisson"},
      {[](RunSettings& s) { s.max_concurrency = 4; }, "max_concurrency", "applies to"},
      {[](RunSettings& s) { s.burstiness = 2; }, "burstiness", "applies to"},
      {[](RunSettings& s) { s.rampup = 5; }, "rampup", "applies to"},
      {[](RunSettings& s) { s.when_full = "spill"; }, "when_full", "queue or drop"},
      {[](RunSettings& s) { s.when_full = "drop"; }, "when_full", "drop applies"},
      {[](RunSettings& s) { s.max_errors = 0; }, "max_errors", "at least 1"},
      {[](RunSettings& s) { s.max_error_rate = 2; }, "max_error_rate", "fraction"},
      {[](RunSettings& s) { s.drain = true; }, "drain", "{max_seconds}"},
      {[](RunSettings& s) { s.warmup = "soon"; }, "warmup", "expected seconds"},
      {[](RunSettings& s) { s.cooldown = "5"; }, "cooldown", ""},
      {[](RunSettings& s) { s.profile = "replay"; }, "data", "timestamp"},
      {[](RunSettings& s) { s.data = "lots"; }, "data", ""},
      {[](RunSettings& s) { s.data = "prompt_tokens=-3"; }, "data", "prompt_tokens"},
      {[](RunSettings& s) { s.data = "/nonexistent/rows.jsonl"; }, "data", "cannot read"},
      {[](RunSettings& s) { s.data_column = "text"; }, "data_column", "{data} FILE"},
      {[](RunSettings& s) { s.data_samples = 3; }, "data_samples", "{data} FILE"},
      {[](RunSettings& s) {
         s.data = "prompt_tokens=64,turns=2";
         s.api = "completions";
       },
       "data", "turns"},
      {[](RunSettings& s) { s.tokenizer = "/nonexistent/tokenizer.json"; }, "tokenizer", ""},
      {[](RunSettings& s) { s.time_scale = 0; }, "time_scale", "positive"},
      {[](RunSettings& s) { s.time_unit = "h"; }, "time_unit", "auto, s or ms"},
      {[](RunSettings& s) { s.threads = 1000; }, "threads", "from 1 to"},
      {[](RunSettings& s) { s.slo = "ttft_ms=fast"; }, "slo", ""},
      {[](RunSettings& s) {
         s.target = "sim";
         s.sim_ttft_ms = 1e300;
       },
       "sim_ttft_ms", "between 0 and"},
      {[](RunSettings& s) {
         s.target = "sim";
         s.sim_itl_ms = std::nan("");
       },
       "sim_itl_ms", "between 0 and"},
      {[](RunSettings& s) {
         s.target = "sim";
         s.sim_jitter = 2;
       },
       "sim_jitter", "between 0 and 1"},
      {[](RunSettings& s) {
         s.target = "sim";
         s.sim_preset = "tpu-v9";
       },
       "sim_preset", "unknown preset"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const SettingError error = error_of(with(cases[i].change));
    CHECK(error.setting() == cases[i].setting);
    CHECK_THAT(error.message(), Contains(cases[i].words));
  }
}

TEST_CASE("an error renders with the front end's names") {
  const SettingError error = error_of(with([](RunSettings& s) { s.drain = true; }));
  CHECK(error.render(flag_name) == "--drain: applies when --max-seconds ends a benchmark");
  const auto file_origin = [](std::string_view key) { return "s.yaml:4: " + std::string(key); };
  const auto as_key = [](std::string_view key) { return std::string(key); };
  CHECK(error.render(file_origin, as_key) ==
        "s.yaml:4: drain: applies when max_seconds ends a benchmark");
}
