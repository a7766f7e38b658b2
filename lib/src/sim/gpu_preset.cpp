// The built-in engine presets and the KV-cache budget arithmetic; sources of every number are in
// gpu_preset.hpp and docs/simulator.md.
#include "llmpace/sim/gpu_preset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <utility>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::sim {
namespace {

// Mistral-Small-24B-Instruct-2501's config.json; weight_bytes is set per quantisation.
ModelShape mistral_small_24b(std::int64_t weight_bytes) {
  ModelShape model;
  model.layers = 40;
  model.attention_heads = 32;
  model.kv_heads = 8;
  model.head_dim = 128;
  model.kv_bytes_per_element = 2;  // vLLM's default kv_cache_dtype "auto" = the model's bf16
  model.parameters = 24'000'000'000;
  model.weight_bytes = weight_bytes;
  return model;
}

// H100 SXM 80 GB. The activation reserve is 2e9 bytes: for this model a max_num_batched_tokens =
// 8192 profiling pass peaks around 1 GB (the 8192 x 32768 MLP intermediate alone is 0.5 GB in
// bf16), and CUDA graphs plus cuBLAS/NCCL workspaces add roughly another GB. With it the INT4
// preset gets (72 - 14 - 2) / (72 - 48 - 2) = 56 / 22 = 2.55x the KV budget of bf16, close to
// the ~2.4x of the issue (which is the reserve-free 58 / 24 = 2.42).
GpuSpec h100_sxm_80gb() {
  GpuSpec gpu;
  gpu.name = "H100 SXM 80GB";
  gpu.hbm_bytes = 80'000'000'000;
  gpu.hbm_bandwidth_bytes_per_s = 3.35e12;
  gpu.dense_flops_per_s = 990e12;
  gpu.gpu_memory_utilization = 0.9;
  gpu.activation_reserve_bytes = 2'000'000'000;
  return gpu;
}

GpuPreset mistral_preset(std::string name, std::string description, std::int64_t weight_bytes) {
  GpuPreset preset;
  preset.name = std::move(name);
  preset.description = std::move(description);
  preset.model = mistral_small_24b(weight_bytes);
  preset.gpu = h100_sxm_80gb();
  return preset;  // vLLM's scheduler defaults and a 4 ms step overhead
}

// Llama-3.1-8B-Instruct's config.json (32 layers, 32 attention heads, 8 KV heads, head dim 128,
// hidden 4096, ~8.03e9 parameters) in bf16: 16.06e9 bytes of weights, 128 KiB of KV per token.
ModelShape llama_3_1_8b_bf16() {
  ModelShape model;
  model.layers = 32;
  model.attention_heads = 32;
  model.kv_heads = 8;
  model.head_dim = 128;
  model.kv_bytes_per_element = 2;
  model.parameters = 8'030'000'000;
  model.weight_bytes = 16'060'000'000;
  return model;
}

// Llama-3.3-70B-Instruct's config.json (80 layers, 64 attention heads, 8 KV heads, head dim 128,
// hidden 8192, ~70.55e9 parameters) in bf16: 141.1e9 bytes of weights, 320 KiB of KV per token.
ModelShape llama_3_3_70b_bf16() {
  ModelShape model;
  model.layers = 80;
  model.attention_heads = 64;
  model.kv_heads = 8;
  model.head_dim = 128;
  model.kv_bytes_per_element = 2;
  model.parameters = 70'550'000'000;
  model.weight_bytes = 141'100'000'000;
  return model;
}

// The compute wall: a small model on the GPU with the least compute per byte of bandwidth among
// the common datacenter ones (A100: 312 TFLOP/s over 2.04 TB/s = 153 FLOP/B, against the H100's
// 295). With 16 GB of weights read in 7.9 ms and 2 * 8.03e9 FLOPs per token costing 0.051 ms,
// decode turns compute-bound above ~150 sequences at short contexts, while 72 - 16 - 2 = 54 GB
// of KV cache (411,520 tokens) stays far from full. A100 SXM4 80GB datasheet: 2,039 GB/s HBM2e,
// 312 TFLOP/s dense bf16, 400 W, 1410 MHz boost. vLLM's V1 defaults on an A100 (it keeps the
// small ones there, vllm/engine/arg_utils.py, PR #17885): max_num_seqs 256,
// max_num_batched_tokens 2048. A 2 ms step overhead: 32 layers under CUDA graphs.
GpuPreset llama_8b_a100_preset() {
  GpuPreset preset;
  preset.name = "llama-3.1-8b-bf16-a100";
  preset.description =
      "Llama-3.1-8B, bf16 weights (16 GB), one A100 SXM 80GB: compute-bound at large batches";
  preset.model = llama_3_1_8b_bf16();
  preset.gpu.name = "A100 SXM 80GB";
  preset.gpu.hbm_bytes = 80'000'000'000;
  preset.gpu.hbm_bandwidth_bytes_per_s = 2.039e12;
  preset.gpu.dense_flops_per_s = 312e12;
  preset.gpu.gpu_memory_utilization = 0.9;
  preset.gpu.activation_reserve_bytes = 2'000'000'000;
  preset.gpu.product_name = "NVIDIA A100-SXM4-80GB";
  preset.gpu.max_power_w = 400.0;
  preset.gpu.idle_power_w = 40.0;
  preset.gpu.max_sm_clock_mhz = 1410.0;
  preset.gpu.idle_sm_clock_mhz = 210.0;
  preset.max_num_seqs = 256;
  preset.max_num_batched_tokens = 2048;
  preset.step_overhead_s = 0.002;
  return preset;
}

// The latency floor: a 70B model in bf16 does not fit one 80 GB H100 (141 GB of weights), nor an
// H200 (141 GB), so it runs on one B200 (HGX B200, 1000 W: 180 GB HBM3e at 8 TB/s, 2.25 PFLOP/s
// dense bf16). Every decode step reads 141.1 GB: 17.6 ms plus the 4 ms overhead, ~21.7 ms per
// token even for a single request, and a 16k-token prompt takes ~1.2 s of prefill, while the
// tensor cores idle (a batch-1 decode needs 0.06 ms of compute). KV cache: 162 - 141.1 - 3 =
// 17.9 GB = 54,624 tokens (3e9 bytes of activations: an 8192-token pass through a 28672-wide MLP
// is ~1 GB, plus CUDA graphs and workspaces). vLLM's V1 defaults for a >= 70 GiB GPU other than
// an A100: max_num_seqs 1024, max_num_batched_tokens 8192. 1965 MHz boost clock (assumed).
GpuPreset llama_70b_b200_preset() {
  GpuPreset preset;
  preset.name = "llama-3.3-70b-bf16-b200";
  preset.description =
      "Llama-3.3-70B, bf16 weights (141 GB), one B200 180GB: ~22 ms per token even alone";
  preset.model = llama_3_3_70b_bf16();
  preset.gpu.name = "B200 180GB";
  preset.gpu.hbm_bytes = 180'000'000'000;
  preset.gpu.hbm_bandwidth_bytes_per_s = 8e12;
  preset.gpu.dense_flops_per_s = 2.25e15;
  preset.gpu.gpu_memory_utilization = 0.9;
  preset.gpu.activation_reserve_bytes = 3'000'000'000;
  preset.gpu.product_name = "NVIDIA B200";
  preset.gpu.max_power_w = 1000.0;
  preset.gpu.idle_power_w = 100.0;
  preset.gpu.max_sm_clock_mhz = 1965.0;
  preset.gpu.idle_sm_clock_mhz = 345.0;
  preset.max_num_seqs = 1024;
  preset.max_num_batched_tokens = 8192;
  preset.step_overhead_s = 0.004;
  return preset;
}

// A made-up small model on a made-up GPU whose memory leaves exactly 4096 tokens of KV cache, so
// that tests exhaust the budget with a handful of requests and every step takes about 2 ms.
GpuPreset fast_preset() {
  GpuPreset preset;
  preset.name = "fast";
  preset.description = "tiny made-up model for tests: 4096-token KV budget, ~2 ms decode steps";
  preset.model.layers = 2;
  preset.model.attention_heads = 4;
  preset.model.kv_heads = 2;
  preset.model.head_dim = 64;
  preset.model.kv_bytes_per_element = 2;  // 2 * 2 * 2 * 64 * 2 = 1024 bytes per token
  preset.model.parameters = 1'000'000'000;
  preset.model.weight_bytes = 2'000'000'000;
  preset.gpu.name = "test GPU";
  preset.gpu.activation_reserve_bytes = 100'000'000;
  preset.gpu.hbm_bytes = 2'000'000'000 + 100'000'000 + 4096 * 1024;
  preset.gpu.gpu_memory_utilization = 1.0;
  preset.gpu.hbm_bandwidth_bytes_per_s = 2e12;  // weights read in 1 ms
  preset.gpu.dense_flops_per_s = 1e15;
  preset.max_num_seqs = 16;
  preset.max_num_batched_tokens = 1024;
  preset.step_overhead_s = 0.001;
  return preset;
}

}  // namespace

std::int64_t kv_bytes_per_token(const ModelShape& model) {
  return 2 * model.layers * model.kv_heads * model.head_dim * model.kv_bytes_per_element;
}

std::int64_t kv_budget_bytes(const GpuPreset& preset) {
  const GpuSpec& gpu = preset.gpu;
  // Rounded to the nearest byte so that 80e9 * 0.9 is exactly 72e9 despite binary 0.9.
  const std::int64_t usable_bytes =
      std::llround(static_cast<double>(gpu.hbm_bytes) * gpu.gpu_memory_utilization);
  return std::max<std::int64_t>(
      0, usable_bytes - preset.model.weight_bytes - gpu.activation_reserve_bytes);
}

std::int64_t kv_budget_blocks(const GpuPreset& preset) {
  if (preset.num_gpu_blocks_override > 0) return preset.num_gpu_blocks_override;
  const std::int64_t block_bytes = kv_bytes_per_token(preset.model) * preset.block_size_tokens;
  if (block_bytes <= 0) return 0;
  return kv_budget_bytes(preset) / block_bytes;
}

std::int64_t kv_budget_tokens(const GpuPreset& preset) {
  return kv_budget_blocks(preset) * preset.block_size_tokens;
}

const std::vector<GpuPreset>& gpu_presets() {
  static const std::vector<GpuPreset> presets{
      mistral_preset("mistral-small-24b-bf16-h100",
                     "Mistral-Small-24B, bf16 weights (48 GB), one H100 SXM 80GB", 48'000'000'000),
      mistral_preset("mistral-small-24b-int4-h100",
                     "Mistral-Small-24B, INT4 weight-only (14 GB), one H100 SXM 80GB",
                     14'000'000'000),
      llama_8b_a100_preset(),
      llama_70b_b200_preset(),
      fast_preset(),
  };
  return presets;
}

const GpuPreset* find_preset(std::string_view name) {
  for (const GpuPreset& preset : gpu_presets()) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

namespace {

double parse_decimal(std::string_view key, std::string_view text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    throw SettingError("engine_params", fmt::format("{}: '{}' is not a number", key, text));
  }
  return value;
}

std::int64_t parse_whole(std::string_view key, std::string_view text) {
  const double value = parse_decimal(key, text);
  if (value != std::trunc(value) || std::fabs(value) > 9e18) {
    throw SettingError("engine_params", fmt::format("{}: '{}' is not a whole number", key, text));
  }
  return static_cast<std::int64_t>(value);
}

struct Parameter {
  std::string_view name;
  std::function<void(GpuPreset&, std::string_view)> set;
};

const std::vector<Parameter>& parameters() {
  const auto whole = [](std::string_view name, auto member) {
    return Parameter{name, [name, member](GpuPreset& p, std::string_view text) {
                       std::invoke(member, p) = parse_whole(name, text);
                     }};
  };
  const auto decimal = [](std::string_view name, auto member) {
    return Parameter{name, [name, member](GpuPreset& p, std::string_view text) {
                       std::invoke(member, p) = parse_decimal(name, text);
                     }};
  };
  static const std::vector<Parameter> all{
      whole(
          "layers", [](GpuPreset & p) -> auto& { return p.model.layers; }),
      whole(
          "attention_heads", [](GpuPreset & p) -> auto& { return p.model.attention_heads; }),
      whole(
          "kv_heads", [](GpuPreset & p) -> auto& { return p.model.kv_heads; }),
      whole(
          "head_dim", [](GpuPreset & p) -> auto& { return p.model.head_dim; }),
      whole(
          "kv_bytes_per_element",
          [](GpuPreset & p) -> auto& { return p.model.kv_bytes_per_element; }),
      whole(
          "parameters", [](GpuPreset & p) -> auto& { return p.model.parameters; }),
      whole(
          "weight_bytes", [](GpuPreset & p) -> auto& { return p.model.weight_bytes; }),
      whole(
          "hbm_bytes", [](GpuPreset & p) -> auto& { return p.gpu.hbm_bytes; }),
      decimal(
          "hbm_bandwidth_bytes_per_s",
          [](GpuPreset & p) -> auto& { return p.gpu.hbm_bandwidth_bytes_per_s; }),
      decimal(
          "dense_flops_per_s", [](GpuPreset & p) -> auto& { return p.gpu.dense_flops_per_s; }),
      decimal(
          "gpu_memory_utilization",
          [](GpuPreset & p) -> auto& { return p.gpu.gpu_memory_utilization; }),
      whole(
          "activation_reserve_bytes",
          [](GpuPreset & p) -> auto& { return p.gpu.activation_reserve_bytes; }),
      whole(
          "block_size_tokens", [](GpuPreset & p) -> auto& { return p.block_size_tokens; }),
      whole(
          "max_num_seqs", [](GpuPreset & p) -> auto& { return p.max_num_seqs; }),
      whole(
          "max_num_batched_tokens",
          [](GpuPreset & p) -> auto& { return p.max_num_batched_tokens; }),
      decimal(
          "step_overhead_s", [](GpuPreset & p) -> auto& { return p.step_overhead_s; }),
      whole(
          "num_gpu_blocks_override",
          [](GpuPreset & p) -> auto& { return p.num_gpu_blocks_override; }),
  };
  return all;
}

void require(bool ok, std::string_view name, std::string_view rule, double value) {
  if (!ok)
    throw SettingError("preset", fmt::format("parameter {} must be {}, got {}", name, rule, value));
}

}  // namespace

std::vector<std::string_view> preset_parameter_names() {
  std::vector<std::string_view> names;
  for (const Parameter& parameter : parameters()) names.push_back(parameter.name);
  return names;
}

void set_preset_parameter(GpuPreset& preset, std::string_view key, std::string_view value) {
  for (const Parameter& parameter : parameters()) {
    if (parameter.name == key) {
      parameter.set(preset, value);
      return;
    }
  }
  std::string known;
  for (const std::string_view name : preset_parameter_names()) {
    known += known.empty() ? "" : ", ";
    known += name;
  }
  throw SettingError("engine_params",
                     fmt::format("unknown parameter '{}' (known: {})", key, known));
}

void validate_preset(const GpuPreset& p) {
  const auto positive = [](std::string_view name, double value) {
    require(value > 0.0, name, "positive", value);
  };
  positive("layers", static_cast<double>(p.model.layers));
  positive("attention_heads", static_cast<double>(p.model.attention_heads));
  positive("kv_heads", static_cast<double>(p.model.kv_heads));
  positive("head_dim", static_cast<double>(p.model.head_dim));
  positive("kv_bytes_per_element", static_cast<double>(p.model.kv_bytes_per_element));
  positive("parameters", static_cast<double>(p.model.parameters));
  positive("weight_bytes", static_cast<double>(p.model.weight_bytes));
  positive("hbm_bytes", static_cast<double>(p.gpu.hbm_bytes));
  positive("hbm_bandwidth_bytes_per_s", p.gpu.hbm_bandwidth_bytes_per_s);
  positive("dense_flops_per_s", p.gpu.dense_flops_per_s);
  require(p.gpu.gpu_memory_utilization > 0.0 && p.gpu.gpu_memory_utilization <= 1.0,
          "gpu_memory_utilization", "in (0, 1]", p.gpu.gpu_memory_utilization);
  require(p.gpu.activation_reserve_bytes >= 0, "activation_reserve_bytes", "0 or more",
          static_cast<double>(p.gpu.activation_reserve_bytes));
  positive("block_size_tokens", static_cast<double>(p.block_size_tokens));
  positive("max_num_seqs", static_cast<double>(p.max_num_seqs));
  positive("max_num_batched_tokens", static_cast<double>(p.max_num_batched_tokens));
  require(p.step_overhead_s >= 0.0 && p.step_overhead_s <= 10.0, "step_overhead_s",
          "between 0 and 10", p.step_overhead_s);
  require(p.num_gpu_blocks_override >= 0, "num_gpu_blocks_override", "0 (off) or positive",
          static_cast<double>(p.num_gpu_blocks_override));
  if (kv_budget_blocks(p) < 1) {
    throw SettingError(
        "preset",
        fmt::format("no memory left for the KV cache of {} ({} bytes of weights and {} of "
                    "activations in {} x {} bytes of HBM)",
                    p.name, p.model.weight_bytes, p.gpu.activation_reserve_bytes,
                    p.gpu.gpu_memory_utilization, p.gpu.hbm_bytes));
  }
}

}  // namespace llmpace::sim
