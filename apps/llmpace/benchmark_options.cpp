#include "benchmark_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>  // list defaults in --help

#include <utility>

namespace llmpace::app {

void add_benchmark_flags(CLI::App& cli, BenchmarkOptions& options) {
  scenario::RunSettings& f = options.flags;
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

  cli.add_option("--scenario", options.scenario_path,
                 "Read the settings from a scenario FILE (YAML or JSON; llmpace's keys or "
                 "GuideLLM's, see docs/scenarios.md); flags given as well override it")
      ->group("Target");
  auto* target = cli.add_option("--target", f.target,
                                "Base URL of the server (http[s]://host:port), or 'sim' for the "
                                "built-in simulator on a loopback port");
  target->group("Target");
  cli.add_option("--model", f.model, "Model name (default: first id of GET /v1/models)")
      ->group("Target");
  cli.add_option("--api", f.api, "API to drive: chat (/v1/chat/completions) or completions")
      ->group("Target");
  cli.add_option("--api-key", f.api_key,
                 "API key, sent as a bearer token (default: $OPENAI_API_KEY)")
      ->envname("OPENAI_API_KEY")
      ->group("Target");
  cli.add_option("--header", options.headers, "Extra request header \"Name: value\" (repeatable)")
      ->group("Target");
  cli.add_flag("--insecure", options.insecure, "Skip TLS certificate verification")
      ->group("Target");
  cli.add_option("--ca-cert", f.ca_cert, "Trust this PEM CA bundle as well")
      ->check(CLI::ExistingFile)
      ->group("Target");
  cli.add_option("--request-timeout", f.request_timeout, "Deadline of a whole request, in seconds")
      ->group("Target");
  cli.add_option(
         "--connect-timeout", f.connect_timeout,
         "Deadline of name resolution and TCP connect, and of the TLS handshake, in seconds")
      ->group("Target");
  cli.add_option("--idle-timeout", f.idle_timeout,
                 "Longest silence once the request is written (before and between bytes of the "
                 "response, its head included), in seconds")
      ->group("Target");

  cli.add_option("--profile,--rate-type", f.profile,
                 "Arrival profile: synchronous | concurrent | throughput | constant | poisson | "
                 "sweep | replay (each --data row at its timestamp)")
      ->group("Load");
  cli.add_option("--rate", f.rate,
                 "concurrent: streams; constant, poisson: requests/s; sweep: number of "
                 "benchmarks (default 10). A list (1,2,4) runs one benchmark per value")
      ->group("Load");
  cli.add_option("--max-concurrency", f.max_concurrency,
                 "Open loop: most requests in flight (default: no cap; throughput: 512)")
      ->group("Load");
  cli.add_option("--when-full", f.when_full,
                 "Open loop at --max-concurrency: queue (wait for a slot, seen as send lag) or "
                 "drop (skip the arrival, counted as dropped)")
      ->group("Load");
  cli.add_option("--burstiness", f.burstiness,
                 "poisson: gamma shape of the gaps (1 = Poisson, larger = more even)")
      ->group("Load");
  cli.add_option("--rampup", f.rampup,
                 "constant, poisson: seconds over which the rate rises linearly from 0")
      ->group("Load");
  cli.add_option("--sweep-strategy", f.sweep_strategy,
                 "sweep: profile of the rate stages, constant or poisson")
      ->group("Load");
  cli.add_option("--max-requests", f.max_requests, "Requests per benchmark")->group("Load");
  cli.add_option("--max-seconds", f.max_seconds, "Duration of each benchmark, seconds")
      ->group("Load");
  cli.add_option("--max-errors", f.max_errors, "End a benchmark at this many errors")
      ->group("Load");
  cli.add_option("--max-error-rate", f.max_error_rate,
                 "End a benchmark once errored/finished requests exceed this fraction "
                 "(judged from 10 finished requests on)")
      ->group("Load");
  cli.add_flag("--drain", options.drain,
               "When --max-seconds ends a benchmark, let requests in flight finish")
      ->group("Load");
  cli.add_option("--warmup", f.warmup,
                 "Leave out requests starting in the first SECONDS, or PERCENT% of the benchmark")
      ->group("Load");
  cli.add_option("--cooldown", f.cooldown,
                 "Leave out requests starting in the last SECONDS, or PERCENT% of the benchmark")
      ->group("Load");
  cli.add_option("--threads", f.threads,
                 "Worker threads sending requests, each with its own event loop (default: one "
                 "per core)")
      ->group("Load");
  cli.add_option("--shard", f.shard,
                 "Send only shard I of N of each benchmark (I/N, from 0): its share of the "
                 "arrivals, streams and --max-requests; merge the shards' reports with `llmpace "
                 "report merge` (docs/scale-out.md)")
      ->group("Scale-out");
  cli.add_option("--shards", f.shards,
                 "Like --shard, shard I of N with I from $JOB_COMPLETION_INDEX (a Kubernetes "
                 "Indexed Job's pods)")
      ->group("Scale-out");
  cli.add_option("--run-id", f.run_id,
                 "Name of the run the shards belong to, kept in the report; `report merge` "
                 "refuses shards of different runs")
      ->group("Scale-out");
  cli.add_option("--start-at", f.start_at,
                 "Wait until this instant before the first benchmark: RFC 3339 UTC "
                 "(2026-12-05T12:00:00Z) or +SECONDS from now (+30s, +2m)")
      ->group("Scale-out");
  cli.add_option("--start-file", f.start_file,
                 "With --start-at, on a volume the shards share: shard 0 writes its start instant "
                 "to FILE, the other shards wait for it (up to 15 minutes) and start then too; "
                 "every later benchmark starts together through files beside it (needed by a "
                 "sharded run of several benchmarks)")
      ->group("Scale-out");
  cli.add_option("--data", f.data,
                 "Workload: synthetic key=value list (prompt_tokens, output_tokens, their _stdev, "
                 "_min, _max; prefix_tokens, prefix_count) or a dataset FILE (.jsonl, .json, "
                 ".csv; ShareGPT; a trace for --profile replay)")
      ->group("Workload");
  cli.add_option("--data-column", f.data_column,
                 "--data FILE: the prompt column (default: detected among prompt, text, "
                 "question, input, instruction, messages, conversations)")
      ->group("Workload");
  cli.add_option("--data-samples", f.data_samples,
                 "--data FILE: use N rows, shuffled with --seed (default: all, in order)")
      ->group("Workload");
  cli.add_option("--tokenizer", f.tokenizer,
                 "How prompt tokens are counted: auto (the target's /tokenize if it has one, "
                 "else approx), server, approx, or a tokenizer FILE (tokenizer.json or "
                 "SentencePiece .model)")
      ->group("Workload");
  cli.add_option("--time-scale", f.time_scale,
                 "--profile replay: multiply the trace's timestamps (0.5 replays twice as fast)")
      ->group("Workload");
  cli.add_option("--time-unit", f.time_unit,
                 "--profile replay: unit of the timestamps: auto, s or ms")
      ->group("Workload");
  cli.add_option("--seed,--random-seed", f.seed, "Seed of the workload and the simulator")
      ->group("Workload");

  cli.add_option("--output,--output-path", options.outputs,
                 "Write the report to FILE (.json); repeatable")
      ->group("Output");
  cli.add_option("--slo", f.slo,
                 "Goodput objectives per request, ms: ttft_ms=200,tpot_ms=50,itl_mean_ms=,"
                 "latency_ms= (any subset)")
      ->group("Output");
  cli.add_flag("--quiet,-q", options.quiet, "No progress display on stderr")->group("Output");

  cli.add_option("--outputs", options.guidellm.outputs,
                 "GuideLLM's spelling: report files or aliases json, csv, html (benchmarks.EXT), "
                 "in --output-dir")
      ->delimiter(',')
      ->group("Output");
  cli.add_option("--output-dir", options.guidellm.output_dir,
                 "GuideLLM's spelling: the directory of --outputs (default: here)")
      ->group("Output");
  cli.add_option("--backend-args,--backend-kwargs", options.guidellm.backend_args,
                 "GuideLLM's spelling: JSON with headers, api_key, verify, timeout, "
                 "timeout_connect (docs/guidellm.md)")
      ->group("Target");

  cli.add_option("--server-metrics", f.server_metrics,
                 "Scrape the server's Prometheus metrics beside the load: auto (the target's "
                 "/metrics when it answers), off, or a URL")
      ->group("Telemetry");
  cli.add_option("--gpu-metrics", options.gpu_metrics,
                 "Scrape an NVIDIA dcgm-exporter URL (http://node:9400/metrics; repeatable)")
      ->group("Telemetry");
  cli.add_option("--scrape-interval", f.scrape_interval,
                 "Seconds between scrapes (dcgm-exporter itself samples every 30 s by default)")
      ->group("Telemetry");
  cli.add_option("--metrics-header", options.metrics_headers,
                 "Header \"Name: value\" for metrics endpoints on another host than the target "
                 "(repeatable; the target's own headers go only to the target)")
      ->group("Telemetry");
  cli.add_option("--metrics-api-key", f.metrics_api_key,
                 "Bearer token for metrics endpoints on another host than the target "
                 "(default: $LLMPACE_METRICS_API_KEY)")
      ->envname("LLMPACE_METRICS_API_KEY")
      ->group("Telemetry");
  cli.add_option("--settle-timeout", f.settle_timeout,
                 "Between benchmarks, wait up to SECONDS for the server to be idle (no request "
                 "running or waiting in its metrics)")
      ->group("Telemetry");
  cli.add_option("--settle-pause", f.settle_pause,
                 "Between benchmarks, pause SECONDS when the server's metrics are not scraped")
      ->group("Telemetry");
  cli.add_flag("--stop-on-saturation", options.stop_on_saturation,
               "End a benchmark early once the server is over-saturated (docs/diagnosis.md)")
      ->group("Telemetry");

  cli.add_option("--push-gateway", options.push_gateway,
                 "After the report files are written, push the report's figures to this "
                 "Prometheus Pushgateway URL (job llmpace, suite adhoc, variant = the model, "
                 "scenario = the --scenario file's stem; docs/prometheus.md)")
      ->group("Prometheus");
  cli.add_option("--metrics-port", options.metrics_port,
                 "Serve the running benchmark's live metrics on GET /metrics at this port (0: "
                 "any free port, printed on stderr)")
      ->check(CLI::Range(0, 65535))
      ->group("Prometheus");
  cli.add_option("--metrics-address", options.metrics_address,
                 "IPv4 address the --metrics-port server listens on (0.0.0.0: every interface)")
      ->capture_default_str()
      ->group("Prometheus");

  cli.add_option("--sim-ttft-ms", f.sim_ttft_ms, "--target sim: time to first token, ms")
      ->group("Simulator");
  cli.add_option("--sim-itl-ms", f.sim_itl_ms, "--target sim: inter-token latency, ms")
      ->group("Simulator");
  cli.add_option("--sim-jitter", f.sim_jitter,
                 "--target sim: relative standard deviation of every delay")
      ->group("Simulator");
  cli.add_option("--sim-preset", f.sim_preset,
                 "--target sim: run the continuous-batching engine model of this GPU preset "
                 "(see `llmpace sim --list-presets`) instead of fixed TTFT/ITL")
      ->group("Simulator");

  // The defaults shown in --help are the library's.
  const scenario::RunSettings defaults = scenario::RunSettings::defaults();
  for (const auto& field : scenario::kRunSettingFields) {
    CLI::Option* option = cli.get_option_no_throw(flag_name(field.key));
    if (option == nullptr) continue;
    std::visit(
        [&](auto member) {
          if (const auto& value = defaults.*member) option->default_str(fmt::format("{}", *value));
        },
        field.member);
  }
}

GivenSettings gather_settings(const BenchmarkOptions& options) {
  GivenSettings given;
  scenario::RunSettings& flags = given.flags;
  flags = options.flags;
  if (!options.headers.empty()) flags.header = options.headers;
  if (!options.outputs.empty()) flags.output = options.outputs;
  if (options.insecure) flags.insecure = true;
  if (options.drain) flags.drain = true;
  if (options.quiet) flags.quiet = true;
  if (!options.gpu_metrics.empty()) flags.gpu_metrics = options.gpu_metrics;
  if (!options.metrics_headers.empty()) flags.metrics_header = options.metrics_headers;
  if (options.stop_on_saturation) flags.stop_on_saturation = true;

  // GuideLLM's spellings, read as GuideLLM means them; our own flags win over them.
  if (!options.guidellm.outputs.empty() || !options.guidellm.output_dir.empty() ||
      !options.guidellm.backend_args.empty()) {
    scenario::RunSettings translated = scenario::read_guidellm_flags(options.guidellm);
    if (translated.header && flags.header) {
      flags.header->insert(flags.header->begin(), translated.header->begin(),
                           translated.header->end());
      translated.header.reset();
    }
    flags = scenario::overlay(std::move(translated), flags);
  }

  if (!options.scenario_path.empty()) {
    given.file = scenario::read_scenario_file(options.scenario_path);
    given.settings = scenario::overlay(given.file->settings, flags);
  } else {
    given.settings = flags;
  }
  return given;
}

std::string GivenSettings::describe(const SettingError& error) const {
  const auto from_flags = [this](std::string_view key) {
    const scenario::SettingField* field = scenario::find_setting(key);
    return field != nullptr && scenario::is_set(flags, *field);
  };
  const auto origin = [&](std::string_view key) -> std::string {
    if (!file) return flag_name(key);
    if (key.empty()) return file->path;
    if (from_flags(key)) return flag_name(key);
    return fmt::format("{}: {}", file->origin(key), key);  // PATH:LINE, or PATH when not set
  };
  const auto mention = [&](std::string_view key) -> std::string {
    return file ? std::string(key) : flag_name(key);
  };
  return error.render(origin, mention);
}

}  // namespace llmpace::app
