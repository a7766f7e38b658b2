// GuideLLM's scenario keys read with GuideLLM's meanings (docs/guidellm.md).
#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"
#include "llmpace/scenario/scenario_file.hpp"

using namespace llmpace;
using namespace llmpace::scenario;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

std::string error_of(std::string_view text) {
  try {
    parse_scenario(text, "g.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("GuideLLM's built-in chat scenario (v0.6 JSON) reads as a sweep of its lengths") {
  const ScenarioFile file = parse_scenario(R"({
    "profile": "sweep",
    "data": [
        "prompt_tokens=512,prompt_tokens_stdev=128,prompt_tokens_min=1,prompt_tokens_max=1024,output_tokens=256,output_tokens_stdev=64,output_tokens_min=1,output_tokens_max=1024"
    ]
})",
                                           "chat.json");
  CHECK(file.dialect == ScenarioDialect::guidellm);
  CHECK(file.settings.profile == "sweep");
  CHECK(file.settings.data ==
        "prompt_tokens=512,prompt_tokens_stdev=128,prompt_tokens_min=1,prompt_tokens_max=1024,"
        "output_tokens=256,output_tokens_stdev=64,output_tokens_min=1,output_tokens_max=1024");
}

TEST_CASE("GuideLLM's argument names map to llmpace settings") {
  const ScenarioFile file = parse_scenario(R"({
  "target": "http://127.0.0.1:8000",
  "rate_type": "poisson",
  "rate": [2, 4],
  "max_seconds": 60,
  "random_seed": 7,
  "request_type": "text_completions",
  "processor": "/models/tokenizer.json",
  "backend_args": {"api_key": "${env:KEY}", "verify": false, "timeout": 30,
                   "headers": {"X-Team": "perf"}, "extras": {"headers": {"X-Run": "1"}}},
  "outputs": ["json", "html", "mine.csv"],
  "output_dir": "/results",
  "data": [{"kind": "synthetic_text", "prompt_tokens": 256, "output_tokens": 128}],
  "data_samples": -1,
  "disable_console_interactive": true
})",
                                           "g.json");
  const RunSettings& s = file.settings;
  CHECK(s.profile == "poisson");
  CHECK(s.rate == "2,4");
  CHECK(s.max_seconds == 60.0);
  CHECK(s.seed == 7U);
  CHECK(s.api == "completions");
  CHECK(s.tokenizer == "/models/tokenizer.json");
  CHECK(s.api_key == "${env:KEY}");
  CHECK(s.insecure == true);
  CHECK(s.request_timeout == 30.0);
  CHECK(s.header == std::vector<std::string>{"X-Team: perf", "X-Run: 1"});
  CHECK(s.output == std::vector<std::string>{"/results/benchmarks.json", "/results/benchmarks.html",
                                             "/results/mine.csv"});
  CHECK(s.data == "prompt_tokens=256,output_tokens=128");
  CHECK_FALSE(s.data_samples);  // -1: every row
  CHECK(s.quiet == true);
  CHECK(file.origin("profile") == "g.json:3");
  CHECK(file.origin("seed") == "g.json:6");
}

TEST_CASE("GuideLLM's warmup and cooldown: fractions below 1, else seconds or requests") {
  CHECK(parse_scenario("rate_type: constant\nwarmup: 0.1\ncooldown: 0.05\n", "g.yaml")
            .settings.warmup == "10%");
  const RunSettings seconds =
      parse_scenario("rate_type: constant\nmax_seconds: 60\nwarmup: 5\n", "g.yaml").settings;
  CHECK(seconds.warmup == "5");
  const RunSettings requests =
      parse_scenario("rate_type: constant\nmax_requests: 200\nwarmup_percent: 10\n", "g.yaml")
          .settings;
  CHECK(requests.warmup == "5%");  // 10 of 200 requests
  CHECK_THAT(error_of("rate_type: constant\nwarmup: 5\n"),
             Equals("g.json:2: warmup: a count of 1 or more needs max_seconds or max_requests"));
}

TEST_CASE("an llmpace setting in a GuideLLM file keeps its meaning") {
  const ScenarioFile file = parse_scenario("rate_type: sweep\nsim_preset: h100-bf16\n", "g.yaml");
  CHECK(file.settings.sim_preset == "h100-bf16");
}

TEST_CASE("GuideLLM settings llmpace cannot honour are refused with the reason") {
  CHECK_THAT(error_of("random_seed: 1\nbackend: vllm_python\n"),
             Equals("g.json:2: backend: only openai_http is supported, got \"vllm_python\""));
  CHECK_THAT(error_of("random_seed: 1\nmax_global_error_rate: 0.1\n"),
             Equals("g.json:2: max_global_error_rate: not supported by llmpace: use "
                    "max_error_rate (per benchmark)"));
  CHECK_THAT(error_of("random_seed: 1\ndata_sampler: shuffle\n"),
             Contains("g.json:2: data_sampler: not supported by llmpace"));
  CHECK_THAT(error_of("random_seed: 1\nbackend_args: {extras: {body: {temperature: 0}}}\n"),
             Contains("backend_args.extras.body: not supported"));
  CHECK_THAT(error_of("random_seed: 1\ndata: [a.jsonl, b.jsonl]\n"),
             Equals("g.json:2: data: llmpace runs one data source, got 2"));
  CHECK_THAT(error_of("random_seed: 1\nwarmup: {mode: prefer_duration}\n"),
             Contains("g.json:2: warmup: a phase configuration mapping is not supported"));
  CHECK_THAT(error_of("spec:\n  profile: {kind: sweep}\n"),
             Contains("g.json:1: GuideLLM 0.7 \"spec\" scenarios are not read yet"));
  CHECK_THAT(error_of("random_seed: 1\nrate_typ: sweep\n"),
             Equals("g.json:2: unknown key \"rate_typ\" (did you mean \"rate_type\"?)"));
}

TEST_CASE("GuideLLM's defaults of settings without an effect are accepted") {
  const ScenarioFile file = parse_scenario(
      "random_seed: 3\ndata_column_mapper: generative_column_mapper\n"
      "data_preprocessors: [encode_media]\nprefer_response_metrics: true\nsample_requests:\n",
      "g.yaml");
  CHECK(file.settings.seed == 3U);
}

TEST_CASE("GuideLLM's command-line spellings read as GuideLLM means them") {
  const RunSettings settings = read_guidellm_flags(
      {.outputs = {"json", "csv"}, .output_dir = "out", .backend_args = R"({"verify": false})"});
  CHECK(settings.output == std::vector<std::string>{"out/benchmarks.json", "out/benchmarks.csv"});
  CHECK(settings.insecure == true);
}
