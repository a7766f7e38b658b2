// `llmpace sim`: serve the built-in OpenAI-compatible simulator until SIGINT or SIGTERM.
//
// Prints one line to stdout once listening ("llmpace sim listening on URL"), which scripts and
// tests read to learn the port when --port 0 asked for an ephemeral one; with --dcgm-port a second
// line follows ("llmpace sim DCGM metrics on port N").
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/roofline.hpp"
#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_server.hpp"

namespace llmpace::app {
namespace {

struct SimFlags {
  SimFlags() { options.port = 8000; }  // a fixed default port, like `vllm serve`

  sim::SimOptions options;
  double ttft_ms = 50.0;
  double itl_ms = 10.0;
  bool list_presets = false;
  std::string preset;
  std::vector<std::string> engine_params;  // KEY=VALUE
  std::vector<std::string> faults;         // KIND:PROB
  bool legacy_metric_names = false;
  // vLLM-named overrides of the preset's scheduler and memory settings.
  std::optional<std::int64_t> max_num_seqs;
  std::optional<std::int64_t> max_num_batched_tokens;
  std::optional<std::int64_t> block_size;
  std::optional<double> gpu_memory_utilization;
  std::optional<std::int64_t> num_gpu_blocks_override;
};

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

// Parses "KEY=VALUE" (an --engine-param) into the preset.
void apply_engine_param(sim::GpuPreset& preset, const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError(fmt::format("--engine-param expects KEY=VALUE, got '{}'", assignment));
  }
  sim::set_preset_parameter(preset, std::string_view{assignment}.substr(0, equals),
                            std::string_view{assignment}.substr(equals + 1));
}

std::optional<sim::GpuPreset> resolve_preset(const SimFlags& flags) {
  const bool overrides = !flags.engine_params.empty() || flags.max_num_seqs ||
                         flags.max_num_batched_tokens || flags.block_size ||
                         flags.gpu_memory_utilization || flags.num_gpu_blocks_override;
  if (flags.preset.empty()) {
    if (overrides) throw ConfigError("engine settings need --preset (see --list-presets)");
    return std::nullopt;
  }
  const sim::GpuPreset* found = sim::find_preset(flags.preset);
  if (found == nullptr) {
    std::string names;
    for (const auto& preset : sim::gpu_presets()) {
      names += names.empty() ? "" : ", ";
      names += preset.name;
    }
    throw ConfigError(
        fmt::format("--preset: unknown preset '{}' (known: {})", flags.preset, names));
  }
  sim::GpuPreset preset = *found;
  for (const std::string& assignment : flags.engine_params) apply_engine_param(preset, assignment);
  if (flags.max_num_seqs) preset.max_num_seqs = *flags.max_num_seqs;
  if (flags.max_num_batched_tokens) preset.max_num_batched_tokens = *flags.max_num_batched_tokens;
  if (flags.block_size) preset.block_size_tokens = *flags.block_size;
  if (flags.gpu_memory_utilization)
    preset.gpu.gpu_memory_utilization = *flags.gpu_memory_utilization;
  if (flags.num_gpu_blocks_override)
    preset.num_gpu_blocks_override = *flags.num_gpu_blocks_override;
  return preset;
}

// Checked before the conversion to nanoseconds, which NaN or huge values would overflow.
Nanoseconds delay_flag(double milliseconds, const char* flag) {
  constexpr double kMaxMs = 3'600'000.0;
  if (!std::isfinite(milliseconds) || milliseconds < 0.0 || milliseconds > kMaxMs) {
    throw ConfigError(
        fmt::format("{} must be between 0 and {} ms, got {}", flag, kMaxMs, milliseconds));
  }
  return from_ms(milliseconds);
}

int run_sim(const SimFlags& flags) {
  if (flags.list_presets) {
    print_presets();
    return kExitOk;
  }
  sim::SimOptions options = flags.options;
  options.ttft = delay_flag(flags.ttft_ms, "--ttft-ms");
  options.itl = delay_flag(flags.itl_ms, "--itl-ms");
  options.preset = resolve_preset(flags);
  for (const std::string& fault : flags.faults) {
    options.faults.push_back(sim::parse_fault_spec(fault));
  }
  if (flags.legacy_metric_names) options.metric_names = sim::MetricNames::legacy;
  sim::SimServer server{options};  // ConfigError on bad options or TLS files

  // RunError when the address cannot be bound.
  sim::serve_until_signal(server, [&server] {
    fmt::print("llmpace sim listening on {}\n", server.base_url());
    if (server.dcgm_port() != 0) {
      fmt::print("llmpace sim DCGM metrics on port {}\n", server.dcgm_port());
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
  sim::SimOptions& options = flags->options;
  cli->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  cli->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  cli->add_option("--model", options.model, "Model name served and listed by /v1/models")
      ->capture_default_str();
  cli->add_option("--max-model-len", options.max_model_len,
                  "Longest prompt + output served (capped at the KV budget with --preset)")
      ->capture_default_str();
  cli->add_flag("--list-presets", flags->list_presets, "List the engine presets and exit");
  cli->add_option("--preset", flags->preset,
                  "Run a continuous-batching engine model of this GPU preset (KV cache, "
                  "batching, roofline step times) instead of fixed --ttft-ms/--itl-ms");
  cli->add_option("--engine-param", flags->engine_params,
                  "Override any preset parameter, KEY=VALUE (repeatable; unknown keys list "
                  "the known ones)");
  cli->add_option("--max-num-seqs", flags->max_num_seqs, "Preset override: most running requests");
  cli->add_option("--max-num-batched-tokens", flags->max_num_batched_tokens,
                  "Preset override: most tokens in one engine step");
  cli->add_option("--block-size", flags->block_size, "Preset override: KV-cache block in tokens");
  cli->add_option("--gpu-memory-utilization", flags->gpu_memory_utilization,
                  "Preset override: fraction of GPU memory for weights, activations and KV");
  cli->add_option("--num-gpu-blocks-override", flags->num_gpu_blocks_override,
                  "Preset override: KV budget in blocks, whatever the memory says");
  cli->add_option("--ttft-ms", flags->ttft_ms,
                  "Without --preset: time to first token, from the request read")
      ->capture_default_str();
  cli->add_option("--itl-ms", flags->itl_ms,
                  "Without --preset: inter-token latency between streamed tokens")
      ->capture_default_str();
  cli->add_option("--jitter", options.jitter,
                  "Relative stddev of Gaussian jitter on every delay (or engine step), clamped "
                  "to 3 sigma")
      ->capture_default_str();
  cli->add_option("--seed", options.seed, "Seed of the jitter, natural lengths and fault draws")
      ->capture_default_str();
  cli->add_option("--default-output-tokens", options.default_output_tokens,
                  "Output tokens when a request sets no max_tokens")
      ->capture_default_str();
  cli->add_option("--natural-output-tokens", options.natural_output_tokens_mean,
                  "Mean length at which requests without ignore_eos stop on their own "
                  "(finish_reason stop); 0 = run to max_tokens")
      ->capture_default_str();
  cli->add_option("--fail-rate", options.fail_rate,
                  "Fraction of generation requests answered with HTTP 500")
      ->capture_default_str();
  cli->add_option("--fault", flags->faults,
                  "KIND:PROB, repeatable; KIND one of http_500, http_429, reset_mid_stream, "
                  "stall, malformed_chunk, slow_headers; seeded by --seed");
  cli->add_option("--trace", options.trace_file,
                  "Write one JSON line per request with CLOCK_MONOTONIC arrival, queue exit "
                  "and token send times (ground truth)");
  cli->add_flag("--legacy-metric-names", flags->legacy_metric_names,
                "Expose vllm:gpu_cache_usage_perc and vllm:time_per_output_token_seconds "
                "(vLLM < 0.10) instead of their new names");
  cli->add_option("--dcgm-port", options.dcgm_port,
                  "Also serve DCGM-exporter GPU metrics on this port's /metrics (needs "
                  "--preset; 0 picks a free port)");
  cli->add_option("--threads", options.threads, "I/O threads")->capture_default_str();
  cli->add_option("--tls-cert", options.tls_cert_file, "PEM certificate chain; serve HTTPS");
  cli->add_option("--tls-key", options.tls_key_file, "PEM private key for --tls-cert");
  return {cli, [flags] { return run_sim(*flags); }};
}

}  // namespace llmpace::app
