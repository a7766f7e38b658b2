#include "llmpace/sim/sim_settings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string_view>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::sim {
namespace {

constexpr std::int64_t kMaxPort = std::numeric_limits<std::uint16_t>::max();

Nanoseconds delay_ms(double milliseconds, const char* key) {
  if (!std::isfinite(milliseconds) || milliseconds < 0.0 || milliseconds > kMaxSimDelayMs) {
    throw SettingError(
        key, fmt::format("must be between 0 and {} ms, got {}", kMaxSimDelayMs, milliseconds));
  }
  return from_ms(milliseconds);
}

std::uint16_t port_number(std::int64_t port, const char* key) {
  if (port < 0 || port > kMaxPort) {
    throw SettingError(key, fmt::format("must be a port from 0 to {} (0 picks a free one), got {}",
                                        kMaxPort, port));
  }
  return static_cast<std::uint16_t>(port);
}

unsigned thread_count(std::int64_t threads) {
  if (threads < 1 || threads > static_cast<std::int64_t>(kMaxSimThreads)) {
    throw SettingError("threads",
                       fmt::format("must be between 1 and {}, got {}", kMaxSimThreads, threads));
  }
  return static_cast<unsigned>(threads);
}

void check_at_least(const std::optional<std::int64_t>& value, std::int64_t lowest,
                    const char* key) {
  if (value && *value < lowest) {
    throw SettingError(key, fmt::format("must be at least {}, got {}", lowest, *value));
  }
}

std::string preset_names() {
  std::string names;
  for (const GpuPreset& preset : gpu_presets()) {
    names += names.empty() ? "" : ", ";
    names += preset.name;
  }
  return names;
}

/// "{engine_params}, {max_num_seqs}": the preset overrides that are set, as placeholders.
std::string given_overrides(const SimSettings& settings) {
  std::string given;
  const auto add = [&given](bool set, std::string_view key) {
    if (!set) return;
    given += given.empty() ? "{" : ", {";
    given += key;
    given += '}';
  };
  add(!settings.engine_params.empty(), "engine_params");
  add(settings.max_num_seqs.has_value(), "max_num_seqs");
  add(settings.max_num_batched_tokens.has_value(), "max_num_batched_tokens");
  add(settings.block_size.has_value(), "block_size");
  add(settings.gpu_memory_utilization.has_value(), "gpu_memory_utilization");
  add(settings.num_gpu_blocks_override.has_value(), "num_gpu_blocks_override");
  return given;
}

void apply_engine_param(GpuPreset& preset, std::string_view assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    throw SettingError("engine_params", fmt::format("expected KEY=VALUE, got '{}'", assignment));
  }
  set_preset_parameter(preset, assignment.substr(0, equals), assignment.substr(equals + 1));
}

/// The preset with its overrides, each override checked under its own key before it is applied;
/// the whole preset is checked later by validate_sim_options.
std::optional<GpuPreset> resolve_preset(const SimSettings& settings,
                                        std::optional<GpuPreset> preset) {
  check_at_least(settings.max_num_seqs, 1, "max_num_seqs");
  check_at_least(settings.max_num_batched_tokens, 1, "max_num_batched_tokens");
  check_at_least(settings.block_size, 1, "block_size");
  check_at_least(settings.num_gpu_blocks_override, 0, "num_gpu_blocks_override");
  if (settings.gpu_memory_utilization) {
    const double fraction = *settings.gpu_memory_utilization;
    if (!std::isfinite(fraction) || fraction <= 0.0 || fraction > 1.0) {
      throw SettingError("gpu_memory_utilization",
                         fmt::format("must be in (0, 1], got {}", fraction));
    }
  }

  if (settings.preset) {
    const GpuPreset* found = find_preset(*settings.preset);
    if (found == nullptr) {
      throw SettingError("preset", fmt::format("unknown preset '{}' (known: {})", *settings.preset,
                                               preset_names()));
    }
    preset = *found;
  }
  const std::string overrides = given_overrides(settings);
  if (!preset) {
    if (!overrides.empty()) {
      throw SettingError("", fmt::format("engine settings ({}) need {{preset}} (known presets: {})",
                                         overrides, preset_names()));
    }
    return std::nullopt;
  }

  if (!settings.engine_params.empty()) {
    for (const std::string& assignment : settings.engine_params) {
      apply_engine_param(*preset, assignment);
    }
    // The preset itself is valid, so what is wrong now came from engine_params.
    try {
      validate_preset(*preset);
    } catch (const SettingError& error) {
      throw error.renamed("engine_params");
    }
  }
  if (settings.max_num_seqs) preset->max_num_seqs = *settings.max_num_seqs;
  if (settings.max_num_batched_tokens) {
    preset->max_num_batched_tokens = *settings.max_num_batched_tokens;
  }
  if (settings.block_size) preset->block_size_tokens = *settings.block_size;
  if (settings.gpu_memory_utilization) {
    preset->gpu.gpu_memory_utilization = *settings.gpu_memory_utilization;
  }
  if (settings.num_gpu_blocks_override) {
    preset->num_gpu_blocks_override = *settings.num_gpu_blocks_override;
  }
  return preset;
}

MetricsFlavor resolve_metrics_flavor(const SimSettings& settings, MetricsFlavor flavor) {
  std::optional<MetricsFlavor> named;
  if (settings.metrics_flavor) {
    named = parse_metrics_flavor(*settings.metrics_flavor);
    if (!named) {
      throw SettingError(
          "metrics_flavor",
          fmt::format("must be vllm, vllm-legacy or llamacpp, got '{}'", *settings.metrics_flavor));
    }
  }
  if (settings.legacy_metric_names) {
    // true is the old spelling of vllm-legacy; false means any flavour but that one.
    const bool legacy = *settings.legacy_metric_names;
    if (named && legacy != (*named == MetricsFlavor::vllm_legacy)) {
      throw SettingError("", fmt::format("{{legacy_metric_names}} and {{metrics_flavor}} {} "
                                         "disagree",
                                         to_string(*named)));
    }
    if (legacy) return MetricsFlavor::vllm_legacy;
    return named.value_or(MetricsFlavor::vllm);
  }
  return named.value_or(flavor);
}

}  // namespace

SimOptions resolve_sim_options(const SimSettings& settings, SimOptions defaults) {
  SimOptions options = std::move(defaults);
  if (settings.host) options.host = *settings.host;
  if (settings.port) options.port = port_number(*settings.port, "port");
  if (settings.model) options.model = *settings.model;
  if (settings.max_model_len) options.max_model_len = *settings.max_model_len;
  if (settings.threads) options.threads = thread_count(*settings.threads);

  if (settings.ttft_ms) options.ttft = delay_ms(*settings.ttft_ms, "ttft_ms");
  if (settings.itl_ms) options.itl = delay_ms(*settings.itl_ms, "itl_ms");

  if (settings.jitter) options.jitter = *settings.jitter;
  if (settings.seed) options.seed = *settings.seed;
  if (settings.default_output_tokens) {
    options.default_output_tokens = *settings.default_output_tokens;
  }
  if (settings.natural_output_tokens) {
    options.natural_output_tokens_mean = *settings.natural_output_tokens;
  }
  if (settings.fail_rate) options.fail_rate = *settings.fail_rate;

  options.preset = resolve_preset(settings, std::move(options.preset));
  if (settings.dcgm_port) options.dcgm_port = port_number(*settings.dcgm_port, "dcgm_port");

  if (!settings.faults.empty()) {
    options.faults.clear();
    for (const std::string& fault : settings.faults) {
      options.faults.push_back(parse_fault_spec(fault));
    }
  }
  options.metrics_flavor = resolve_metrics_flavor(settings, options.metrics_flavor);
  if (settings.trace_file) options.trace_file = *settings.trace_file;
  if (settings.tls_cert_file) options.tls_cert_file = *settings.tls_cert_file;
  if (settings.tls_key_file) options.tls_key_file = *settings.tls_key_file;

  // The rest (jitter, rates, counts, the preset as a whole, the fault plan, pairs that clash) are
  // plain values that need no conversion: one check of the whole.
  validate_sim_options(options);
  return options;
}

}  // namespace llmpace::sim
