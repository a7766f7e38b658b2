// SimSettings: what a user can tell the simulator, as given (unset = keep the default), and the
// one resolver that turns them into SimOptions for every front end: `llmpace sim` (its flags),
// `llmpace benchmark --target sim` (its --sim-* flags and scenario keys), tests and benchmarks.
//
// The resolver knows no flag. Every error is a llmpace::SettingError whose setting() is the name
// of the SimSettings field at fault ("ttft_ms", "preset", "engine_params", ...) and whose message
// names no flag; another setting mentioned in a message appears as a "{key}" placeholder of the
// same field names. When two settings clash (a DCGM port without a preset, a TLS certificate
// without its key, preset overrides without a preset) setting() is empty and the message names
// both by placeholders. The front end renders the line with its own names:
//   error.render(namer)  ->  "--ttft-ms: must be between 0 and 3600000 ms, got nan"
//
// Every value is checked before it is converted, so NaN or 1e300 ms cannot overflow a duration
// and 70000 cannot wrap into a 16-bit port.
//
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/sim/sim_options.hpp"

namespace llmpace::sim {

struct SimSettings {
  // Serving.
  std::optional<std::string> host;
  std::optional<std::int64_t> port;  ///< 0..65535; 0 picks a free port
  std::optional<std::string> model;  ///< served and listed by /v1/models
  std::optional<std::int64_t> max_model_len;
  std::optional<std::int64_t> threads;  ///< io threads, 1..kMaxSimThreads

  // The simple latency model (no preset).
  std::optional<double> ttft_ms;  ///< 0..kMaxSimDelayMs
  std::optional<double> itl_ms;   ///< 0..kMaxSimDelayMs

  // Both models.
  std::optional<double> jitter;  ///< relative stddev, 0..1
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> default_output_tokens;  ///< >= 1
  std::optional<double> natural_output_tokens;        ///< mean; 0 = off
  std::optional<double> fail_rate;                    ///< 0..1

  // The inference model of a GPU preset.
  std::optional<std::string> preset;       ///< a name of gpu_presets()
  std::vector<std::string> engine_params;  ///< "KEY=VALUE", applied in order; empty: none
  // vLLM-named overrides, applied after engine_params.
  std::optional<std::int64_t> max_num_seqs;             ///< >= 1
  std::optional<std::int64_t> max_num_batched_tokens;   ///< >= 1
  std::optional<std::int64_t> block_size;               ///< tokens per KV block, >= 1
  std::optional<double> gpu_memory_utilization;         ///< (0, 1]
  std::optional<std::int64_t> num_gpu_blocks_override;  ///< 0 = off
  std::optional<std::int64_t> dcgm_port;  ///< 0..65535; serve DCGM metrics too (needs a preset)

  // Faults and outputs.
  std::vector<std::string> faults;  ///< "KIND:PROB"; non-empty replaces the defaults' faults
  /// "vllm", "vllm-legacy" or "llamacpp" (parse_metrics_flavor).
  std::optional<std::string> metrics_flavor;
  /// true: the "vllm-legacy" flavour (the older spelling of metrics_flavor); false: "vllm", or
  /// metrics_flavor when that is set to another flavour than vllm-legacy. A clash is an error.
  std::optional<bool> legacy_metric_names;
  std::optional<std::string> trace_file;  ///< "": no trace
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
};

/// `defaults` with every set field of `settings` applied, checked as a whole by
/// validate_sim_options. Preset overrides (engine_params and the vLLM-named ones) apply to
/// settings.preset, or to defaults.preset when no preset is named. Throws SettingError (see the
/// header comment); returns options that SimServer accepts.
SimOptions resolve_sim_options(const SimSettings& settings, SimOptions defaults = {});

}  // namespace llmpace::sim
