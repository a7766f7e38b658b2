#include "benchmark_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <thread>

#include "llmpace/core/error.hpp"
#include "llmpace/http/tls_context.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/sim/gpu_preset.hpp"

namespace llmpace::app {
namespace {

constexpr std::string_view kSimTarget = "sim";
constexpr int kMaxThreads = 256;

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

http::Header parse_header(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw ConfigError(fmt::format("--header: expected \"Name: value\", got '{}'", text));
  }
  std::string name = text.substr(0, colon);
  std::string value = text.substr(colon + 1);
  const auto first = value.find_first_not_of(" \t");
  value = first == std::string::npos ? "" : value.substr(first);
  if (name.find_first_of(" \t\r\n") != std::string::npos ||
      value.find_first_of("\r\n") != std::string::npos) {
    throw ConfigError(fmt::format("--header: invalid header name or value in '{}'", name));
  }
  return {std::move(name), std::move(value)};
}

Nanoseconds positive_seconds(double seconds, std::string_view flag) {
  if (!(seconds > 0) || !std::isfinite(seconds)) {
    throw ConfigError(fmt::format("{} must be a positive number of seconds", flag));
  }
  return from_seconds(seconds);
}

}  // namespace

void add_benchmark_flags(CLI::App& cli, BenchmarkOptions& options) {
  cli.footer(
      "Limits (--max-requests, --max-seconds, --max-errors, --max-error-rate) apply to EACH\n"
      "benchmark, not to the whole run: a sweep of 10 with --max-seconds 30 runs about 5 minutes.\n"
      "The first limit reached ends the benchmark. Requests still in flight then are cancelled\n"
      "and counted as incomplete (with --drain a time limit lets them finish instead). A sweep\n"
      "with no limit runs 30 s per benchmark. --warmup and --cooldown requests are sent but left\n"
      "out of the statistics. Progress goes to stderr: one live line per benchmark on a terminal,\n"
      "a line every 10 s otherwise (--quiet: none). Secrets: prefer OPENAI_API_KEY to --api-key\n"
      "(llmpace hides the flag's value from the process list, but a shell history still keeps "
      "it).");

  auto* target = cli.add_option("--target", options.target,
                                "Base URL of the server (http[s]://host:port), or 'sim' for the "
                                "built-in simulator on a loopback port")
                     ->required();
  target->group("Target");
  cli.add_option("--model", options.model, "Model name (default: first id of GET /v1/models)")
      ->group("Target");
  cli.add_option("--api", options.api, "API to drive: chat (/v1/chat/completions) or completions")
      ->capture_default_str()
      ->group("Target");
  cli.add_option("--api-key", options.api_key,
                 "API key, sent as a bearer token (default: $OPENAI_API_KEY)")
      ->envname("OPENAI_API_KEY")
      ->group("Target");
  cli.add_option("--header", options.headers, "Extra request header \"Name: value\" (repeatable)")
      ->group("Target");
  cli.add_flag("--insecure", options.insecure, "Skip TLS certificate verification")
      ->group("Target");
  cli.add_option("--ca-cert", options.ca_cert, "Trust this PEM CA bundle as well")
      ->check(CLI::ExistingFile)
      ->group("Target");
  cli.add_option("--request-timeout", options.request_timeout_s,
                 "Deadline of a whole request, in seconds")
      ->capture_default_str()
      ->group("Target");
  cli.add_option("--connect-timeout", options.connect_timeout_s,
                 "Deadline of TCP connect and of the TLS handshake, in seconds")
      ->capture_default_str()
      ->group("Target");
  cli.add_option("--idle-timeout", options.idle_timeout_s,
                 "Longest silence allowed while waiting for headers or between chunks, seconds")
      ->capture_default_str()
      ->group("Target");

  cli.add_option("--profile,--rate-type", options.profile,
                 "Arrival profile: synchronous | concurrent | throughput | constant | poisson | "
                 "sweep | replay (each --data row at its timestamp)")
      ->capture_default_str()
      ->group("Load");
  cli.add_option("--rate", options.rate,
                 "concurrent: streams; constant, poisson: requests/s; sweep: number of "
                 "benchmarks (default 10). A list (1,2,4) runs one benchmark per value")
      ->group("Load");
  options.max_concurrency_flag =
      cli.add_option("--max-concurrency", options.max_concurrency,
                     "Open loop: most requests in flight (default: no cap; throughput: 512)")
          ->group("Load");
  cli.add_option("--when-full", options.when_full,
                 "Open loop at --max-concurrency: queue (wait for a slot, seen as send lag) or "
                 "drop (skip the arrival, counted as dropped)")
      ->capture_default_str()
      ->group("Load");
  cli.add_option("--burstiness", options.burstiness,
                 "poisson: gamma shape of the gaps (1 = Poisson, larger = more even)")
      ->capture_default_str()
      ->group("Load");
  cli.add_option("--rampup", options.rampup_s,
                 "constant, poisson: seconds over which the rate rises linearly from 0")
      ->capture_default_str()
      ->group("Load");
  cli.add_option("--sweep-strategy", options.sweep_strategy,
                 "sweep: profile of the rate stages, constant or poisson")
      ->capture_default_str()
      ->group("Load");
  options.max_requests_flag =
      cli.add_option("--max-requests", options.max_requests, "Requests per benchmark")
          ->group("Load");
  options.max_seconds_flag =
      cli.add_option("--max-seconds", options.max_seconds, "Duration of each benchmark, seconds")
          ->group("Load");
  options.max_errors_flag =
      cli.add_option("--max-errors", options.max_errors, "End a benchmark at this many errors")
          ->group("Load");
  options.max_error_rate_flag =
      cli.add_option("--max-error-rate", options.max_error_rate,
                     "End a benchmark once errored/finished requests exceed this fraction "
                     "(judged from 10 finished requests on)")
          ->group("Load");
  cli.add_flag("--drain", options.drain,
               "When --max-seconds ends a benchmark, let requests in flight finish")
      ->group("Load");
  cli.add_option("--warmup", options.warmup,
                 "Leave out requests starting in the first SECONDS, or PERCENT% of the benchmark")
      ->group("Load");
  cli.add_option("--cooldown", options.cooldown,
                 "Leave out requests starting in the last SECONDS, or PERCENT% of the benchmark")
      ->group("Load");
  cli.add_option("--threads", options.threads,
                 "Worker threads sending requests, each with its own event loop (default: one "
                 "per core)")
      ->group("Load");
  cli.add_option("--data", options.data,
                 "Workload: synthetic key=value list (prompt_tokens, output_tokens, their _stdev, "
                 "_min, _max; prefix_tokens, prefix_count) or a dataset FILE (.jsonl, .json, "
                 ".csv; ShareGPT; a trace for --profile replay)")
      ->capture_default_str()
      ->group("Workload");
  cli.add_option("--data-column", options.data_column,
                 "--data FILE: the prompt column (default: detected among prompt, text, "
                 "question, input, instruction, messages, conversations)")
      ->group("Workload");
  options.data_samples_flag =
      cli.add_option("--data-samples", options.data_samples,
                     "--data FILE: use N rows, shuffled with --seed (default: all, in order)")
          ->group("Workload");
  cli.add_option("--tokenizer", options.tokenizer,
                 "How prompt tokens are counted: auto (the target's /tokenize if it has one, "
                 "else approx), server, approx, or a tokenizer FILE (tokenizer.json or "
                 "SentencePiece .model)")
      ->capture_default_str()
      ->group("Workload");
  cli.add_option("--time-scale", options.time_scale,
                 "--profile replay: multiply the trace's timestamps (0.5 replays twice as fast)")
      ->capture_default_str()
      ->group("Workload");
  cli.add_option("--time-unit", options.time_unit,
                 "--profile replay: unit of the timestamps: auto, s or ms")
      ->capture_default_str()
      ->group("Workload");
  cli.add_option("--seed", options.seed, "Seed of the workload and the simulator")
      ->capture_default_str()
      ->group("Workload");

  cli.add_option("--output,--output-path", options.outputs,
                 "Write the report to FILE (.json); repeatable")
      ->group("Output");
  cli.add_option("--slo", options.slo,
                 "Goodput objectives per request, ms: ttft_ms=200,tpot_ms=50,itl_mean_ms=,"
                 "latency_ms= (any subset)")
      ->group("Output");
  cli.add_flag("--quiet,-q", options.quiet, "No progress display on stderr")->group("Output");

  cli.add_option("--sim-ttft-ms", options.sim_ttft_ms, "--target sim: time to first token, ms")
      ->capture_default_str()
      ->group("Simulator");
  cli.add_option("--sim-itl-ms", options.sim_itl_ms, "--target sim: inter-token latency, ms")
      ->capture_default_str()
      ->group("Simulator");
  cli.add_option("--sim-jitter", options.sim_jitter,
                 "--target sim: relative standard deviation of every delay")
      ->capture_default_str()
      ->group("Simulator");
  cli.add_option("--sim-preset", options.sim_preset,
                 "--target sim: run the continuous-batching engine model of this GPU preset "
                 "(see `llmpace sim --list-presets`) instead of fixed TTFT/ITL")
      ->group("Simulator");
}

ResolvedBenchmark resolve_benchmark_options(const BenchmarkOptions& options) {
  ResolvedBenchmark plan;
  plan.created_at = utc_now_iso8601();

  // Target.
  engine::Target& target = plan.target;
  if (options.target == kSimTarget) {
    sim::SimOptions sim;
    sim.ttft = from_ms(options.sim_ttft_ms);
    sim.itl = from_ms(options.sim_itl_ms);
    sim.jitter = options.sim_jitter;
    sim.seed = options.seed;
    if (!options.model.empty()) sim.model = options.model;
    if (!options.sim_preset.empty()) {
      const sim::EnginePreset* preset = sim::find_preset(options.sim_preset);
      if (preset == nullptr) {
        throw ConfigError(
            fmt::format("--sim-preset: unknown preset '{}' (see llmpace sim --list-presets)",
                        options.sim_preset));
      }
      sim.engine = *preset;
    }
    sim::validate_sim_options(sim);
    plan.embedded_sim = sim;
    target.client.base_url = http::parse_url("http://127.0.0.1:1");  // replaced once it listens
    plan.target_description = "the built-in simulator";
  } else {
    target.client.base_url = http::parse_url(options.target);
    plan.target_description = target.client.base_url.to_string();
  }
  const auto api = openai::parse_api_kind(options.api);
  if (!api)
    throw ConfigError(fmt::format("--api: unknown API '{}' (chat, completions)", options.api));
  target.api = *api;
  target.model = options.model;
  target.client.api_key = options.api_key;
  for (const auto& header : options.headers) {
    target.client.extra_headers.push_back(parse_header(header));
  }
  target.client.tls.insecure = options.insecure;
  target.client.tls.ca_cert_file = options.ca_cert;
  target.client.timeouts.request_total =
      positive_seconds(options.request_timeout_s, "--request-timeout");
  target.client.timeouts.connect = positive_seconds(options.connect_timeout_s, "--connect-timeout");
  target.client.timeouts.tls_handshake = target.client.timeouts.connect;
  target.client.timeouts.idle = positive_seconds(options.idle_timeout_s, "--idle-timeout");
  target.client.timeouts.response_headers = target.client.timeouts.idle;
  if (target.client.base_url.is_tls()) {
    target.tls_context = http::make_client_tls_context(target.client.tls);
  }

  // Profiles and limits.
  ProfileFlags profile_flags;
  profile_flags.profile = options.profile;
  profile_flags.rate = options.rate;
  if (options.max_concurrency_flag->count() > 0) {
    profile_flags.max_concurrency = options.max_concurrency;
  }
  profile_flags.burstiness = options.burstiness;
  profile_flags.rampup_s = options.rampup_s;
  profile_flags.sweep_strategy = options.sweep_strategy;
  profile_flags.seed = options.seed;
  if (options.max_requests_flag->count() > 0) profile_flags.max_requests = options.max_requests;
  if (options.max_seconds_flag->count() > 0) profile_flags.max_seconds = options.max_seconds;
  if (options.max_errors_flag->count() > 0) profile_flags.max_errors = options.max_errors;
  if (options.max_error_rate_flag->count() > 0) {
    profile_flags.max_error_rate = options.max_error_rate;
  }
  profile_flags.drain = options.drain;
  profile_flags.when_full = options.when_full;
  profile_flags.warmup = options.warmup;
  profile_flags.cooldown = options.cooldown;

  // Workload: files are read now, so that a bad one stops the run before any load.
  WorkloadFlags workload_flags;
  workload_flags.data = options.data;
  workload_flags.data_column = options.data_column;
  if (options.data_samples_flag->count() > 0) workload_flags.data_samples = options.data_samples;
  workload_flags.tokenizer = options.tokenizer;
  workload_flags.time_scale = options.time_scale;
  workload_flags.time_unit = options.time_unit;
  workload_flags.seed = options.seed;
  workload_flags.replay = options.profile == "replay";
  plan.workload = resolve_workload_plan(workload_flags);
  profile_flags.replay_offsets = plan.workload.replay_offsets;
  plan.profiles = resolve_profile_plan(profile_flags);
  const profile::ProfileSpec& first = plan.profiles.benchmarks.front();
  if (plan.workload.synthetic && plan.workload.synthetic->turns > 1) {
    // A follow-up waits for the reply it carries: only closed loops send turns in sequence.
    if (target.api != openai::ApiKind::chat_completions) {
      throw ConfigError("--data turns=K needs --api chat (follow-ups carry the conversation)");
    }
    if (plan.profiles.sweep || profile::is_open_loop(first.kind)) {
      throw ConfigError("--data turns=K applies to --profile synchronous and concurrent");
    }
  }

  // Execution.
  if (options.threads < 0 || options.threads > kMaxThreads) {
    throw ConfigError(fmt::format("--threads must be from 1 to {}", kMaxThreads));
  }
  plan.threads = options.threads > 0
                     ? options.threads
                     : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  plan.quiet = options.quiet;
  if (!options.slo.empty()) plan.slo = metrics::parse_slo(options.slo);

  // Outputs.
  plan.output_paths = options.outputs;

  // The run as the report records it: no api key, header names only.
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& header : target.client.extra_headers) headers.push_back(header.name);
  plan.run_config = {
      {"target",
       options.target == kSimTarget ? std::string(kSimTarget) : target.client.base_url.to_string()},
      {"api", std::string(openai::to_string(target.api))},
      {"model", target.model},
      {"profile", options.profile},
      {"rate", options.rate.empty() ? nlohmann::json() : nlohmann::json(options.rate)},
      {"max_concurrency",
       first.max_concurrency ? nlohmann::json(*first.max_concurrency) : nlohmann::json()},
      {"max_requests", first.max_requests ? nlohmann::json(*first.max_requests) : nlohmann::json()},
      {"max_seconds",
       first.max_duration ? nlohmann::json(to_seconds(*first.max_duration)) : nlohmann::json()},
      {"max_errors", first.max_errors ? nlohmann::json(*first.max_errors) : nlohmann::json()},
      {"max_error_rate",
       first.max_error_rate ? nlohmann::json(*first.max_error_rate) : nlohmann::json()},
      {"warmup", options.warmup.empty() ? nlohmann::json() : nlohmann::json(options.warmup)},
      {"cooldown", options.cooldown.empty() ? nlohmann::json() : nlohmann::json(options.cooldown)},
      {"drain", first.drain},
      {"when_full", std::string(profile::to_string(first.when_full))},
      {"threads", plan.threads},
      {"slo", plan.slo.empty() ? nlohmann::json() : nlohmann::json(plan.slo.to_string())},
      {"data", plan.workload.run_config},
      {"tokenizer", options.tokenizer},
      {"seed", options.seed},
      {"burstiness", options.burstiness},
      {"rampup_s", options.rampup_s},
      {"headers", headers},
      {"api_key_set", !options.api_key.empty()},
      {"insecure", options.insecure},
      {"request_timeout_s", options.request_timeout_s},
  };
  if (plan.embedded_sim) {
    plan.run_config["simulator"] = {
        {"ttft_ms", options.sim_ttft_ms},
        {"itl_ms", options.sim_itl_ms},
        {"jitter", options.sim_jitter},
        {"preset", options.sim_preset.empty() ? nlohmann::json(nullptr)
                                              : nlohmann::json(options.sim_preset)}};
  }
  return plan;
}

}  // namespace llmpace::app
