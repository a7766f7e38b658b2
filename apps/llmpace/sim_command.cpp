// `llmpace sim`: serve the built-in OpenAI-compatible simulator until SIGINT or SIGTERM.
//
// Prints one line to stdout once listening ("llmpace sim listening on URL"), which scripts and
// tests read to learn the port when --port 0 asked for an ephemeral one; with --dcgm-port a second
// line follows ("llmpace sim DCGM metrics on port N").
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/setting_error.hpp"
#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/roofline.hpp"
#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_server.hpp"
#include "llmpace/sim/sim_settings.hpp"

namespace llmpace::app {
namespace {

struct SimFlags {
  sim::SimSettings settings;
  bool list_presets = false;
  bool legacy_metric_names = false;
};

// What `llmpace sim` starts from: SimOptions' defaults on a fixed port, like `vllm serve`.
sim::SimOptions sim_defaults() {
  sim::SimOptions defaults;
  defaults.port = 8000;
  return defaults;
}

// The flag of a SimSettings key: flag_name(key) except where the flag is spelt otherwise; "" for
// no key (an error about two settings names both in its message).
std::string sim_flag(std::string_view key) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kFlags{{
      {"engine_params", "--engine-param"},
      {"faults", "--fault"},
      {"trace_file", "--trace"},
      {"tls_cert_file", "--tls-cert"},
      {"tls_key_file", "--tls-key"},
  }};
  for (const auto& [setting, flag] : kFlags) {
    if (setting == key) return std::string{flag};
  }
  return flag_name(key);
}

// `llmpace sim --list-presets`: one block per preset with the numbers that decide its walls.
void print_presets() {
  for (const sim::GpuPreset& preset : sim::gpu_presets()) {
    const double decode_1_ms = sim::decode_step_s(preset, 1, 1024) * 1e3;
    const double decode_64_ms = sim::decode_step_s(preset, 64, 64 * 1024) * 1e3;
    const double prefill_ms = sim::prefill_step_s(preset, 4096, 0) * 1e3;
    fmt::print("{}\n  {}\n", preset.name, preset.description);
    fmt::print(
        "  KV cache: {} tokens ({} blocks of {}), {} KiB per token; max_num_seqs {}, "
        "max_num_batched_tokens {}\n",
        sim::kv_budget_tokens(preset), sim::kv_budget_blocks(preset), preset.block_size_tokens,
        sim::kv_bytes_per_token(preset.model) / 1024, preset.max_num_seqs,
        preset.max_num_batched_tokens);
    fmt::print(
        "  decode step: {:.1f} ms at batch 1, {:.1f} ms at batch 64 (1024-token contexts); "
        "prefill of 4096 tokens: {:.0f} ms\n",
        decode_1_ms, decode_64_ms, prefill_ms);
  }
}

int run_sim(const SimFlags& flags) {
  if (flags.list_presets) {
    print_presets();
    return kExitOk;
  }
  sim::SimSettings settings = flags.settings;
  if (flags.legacy_metric_names) settings.legacy_metric_names = true;
  std::optional<sim::SimServer> server;
  try {
    server.emplace(sim::resolve_sim_options(settings, sim_defaults()));
  } catch (const SettingError& error) {
    throw ConfigError(error.render(sim_flag));
  }
  // (SimServer throws ConfigError of its own for TLS files and the trace file it cannot open.)

  // RunError when the address cannot be bound.
  sim::serve_until_signal(*server, [&server] {
    fmt::print("llmpace sim listening on {}\n", server->base_url());
    if (server->dcgm_port() != 0) {
      fmt::print("llmpace sim DCGM metrics on port {}\n", server->dcgm_port());
    }
    std::fflush(stdout);
  });
  return kExitOk;
}

}  // namespace

Command add_sim_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand(
      "sim", "Run the built-in OpenAI-compatible simulator (vLLM-shaped endpoints)");
  auto flags = std::make_shared<SimFlags>();
  sim::SimSettings& s = flags->settings;
  // Unset settings keep these; the help shows them.
  const sim::SimOptions defaults = sim_defaults();
  const auto shown = [](const auto& value) { return fmt::format("{}", value); };
  cli->add_option("--host", s.host, "Address to listen on")->default_str(defaults.host);
  cli->add_option("--port", s.port, "Port to listen on; 0 picks a free one")
      ->default_str(shown(defaults.port));
  cli->add_option("--model", s.model, "Model name served and listed by /v1/models")
      ->default_str(defaults.model);
  cli->add_option("--max-model-len", s.max_model_len,
                  "Longest prompt + output served (capped at the KV budget with --preset)")
      ->default_str(shown(defaults.max_model_len));
  cli->add_flag("--list-presets", flags->list_presets, "List the engine presets and exit");
  cli->add_option("--preset", s.preset,
                  "Run a continuous-batching engine model of this GPU preset (KV cache, "
                  "batching, roofline step times) instead of fixed --ttft-ms/--itl-ms");
  cli->add_option("--engine-param", s.engine_params,
                  "Override any preset parameter, KEY=VALUE (repeatable; unknown keys list "
                  "the known ones)");
  cli->add_option("--max-num-seqs", s.max_num_seqs, "Preset override: most running requests");
  cli->add_option("--max-num-batched-tokens", s.max_num_batched_tokens,
                  "Preset override: most tokens in one engine step");
  cli->add_option("--block-size", s.block_size, "Preset override: KV-cache block in tokens");
  cli->add_option("--gpu-memory-utilization", s.gpu_memory_utilization,
                  "Preset override: fraction of GPU memory for weights, activations and KV");
  cli->add_option("--num-gpu-blocks-override", s.num_gpu_blocks_override,
                  "Preset override: KV budget in blocks, whatever the memory says");
  cli->add_option("--ttft-ms", s.ttft_ms,
                  "Without --preset: time to first token, from the request read")
      ->default_str(shown(to_ms(defaults.ttft)));
  cli->add_option("--itl-ms", s.itl_ms,
                  "Without --preset: inter-token latency between streamed tokens")
      ->default_str(shown(to_ms(defaults.itl)));
  cli->add_option("--jitter", s.jitter,
                  "Relative stddev of Gaussian jitter on every delay (or engine step), clamped "
                  "to 3 sigma")
      ->default_str(shown(defaults.jitter));
  cli->add_option("--seed", s.seed, "Seed of the jitter, natural lengths and fault draws")
      ->default_str(shown(defaults.seed));
  cli->add_option("--default-output-tokens", s.default_output_tokens,
                  "Output tokens when a request sets no max_tokens")
      ->default_str(shown(defaults.default_output_tokens));
  cli->add_option("--natural-output-tokens", s.natural_output_tokens,
                  "Mean length at which requests without ignore_eos stop on their own "
                  "(finish_reason stop); 0 = run to max_tokens")
      ->default_str(shown(defaults.natural_output_tokens_mean));
  cli->add_option("--fail-rate", s.fail_rate,
                  "Fraction of generation requests answered with HTTP 500")
      ->default_str(shown(defaults.fail_rate));
  cli->add_option("--fault", s.faults,
                  "KIND:PROB, repeatable; KIND one of http_500, http_429, reset_mid_stream, "
                  "stall, malformed_chunk, slow_headers; seeded by --seed");
  cli->add_option("--trace", s.trace_file,
                  "Write one JSON line per request with CLOCK_MONOTONIC arrival, queue exit "
                  "and token send times (ground truth)");
  cli->add_option("--metrics-flavor", s.metrics_flavor,
                  "Whose /metrics to serve: vllm (current names), vllm-legacy (vLLM < 0.10: "
                  "vllm:gpu_cache_usage_perc, vllm:time_per_output_token_seconds) or llamacpp "
                  "(llama-server's llamacpp: metrics)")
      ->default_str(std::string{sim::to_string(defaults.metrics_flavor)});
  cli->add_flag("--legacy-metric-names", flags->legacy_metric_names,
                "Same as --metrics-flavor vllm-legacy");
  cli->add_option("--dcgm-port", s.dcgm_port,
                  "Also serve DCGM-exporter GPU metrics on this port's /metrics (needs "
                  "--preset; 0 picks a free port)");
  cli->add_option("--threads", s.threads, "I/O threads")->default_str(shown(defaults.threads));
  cli->add_option("--tls-cert", s.tls_cert_file, "PEM certificate chain; serve HTTPS");
  cli->add_option("--tls-key", s.tls_key_file, "PEM private key for --tls-cert");
  return {cli, [flags] { return run_sim(*flags); }};
}

}  // namespace llmpace::app
