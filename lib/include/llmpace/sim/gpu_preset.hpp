// Engine presets of the realistic simulator: a model's shape, a GPU's specification and vLLM's
// scheduler limits, plus the KV-cache budget derived from them the way vLLM derives it.
//
// This is pure data and arithmetic (no I/O). InferenceModel (inference_model.hpp) runs a preset;
// see docs/simulator.md, "Engine presets".
//
// Where the numbers come from:
// - Mistral-Small-24B (config.json of mistralai/Mistral-Small-24B-Instruct-2501): 40 layers,
//   32 attention heads, 8 KV heads (GQA), head dim 128, hidden 5120, ~24e9 parameters.
// - bf16 weights: 2 bytes per parameter, ~48e9 bytes. INT4 weight-only (W4A16, e.g. AWQ/GPTQ):
//   4-bit linear layers plus group scales, with embeddings and lm_head left in bf16, ~14e9 bytes.
//   W4A16 dequantises into bf16 tensor-core matmuls, so it has the same FLOP rate as bf16.
// - H100 SXM 80 GB datasheet: 3.35 TB/s HBM3, 989 TFLOP/s dense bf16 (we use 990e12). We count
//   the memory as 80e9 bytes, which undercounts the real 80 GiB a little (conservative).
// - vLLM defaults: gpu_memory_utilization 0.9, block_size 16, max_num_seqs 256,
//   max_num_batched_tokens 8192 (the chunked-prefill token budget of one step).
// - The Llama presets' sources (Llama-3.1-8B and Llama-3.3-70B config.json, A100 and B200
//   datasheets, vLLM's per-GPU scheduler defaults) are next to them in gpu_preset.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::sim {

/// The parts of a transformer's shape that set its KV-cache size and its FLOPs.
struct ModelShape {
  std::int64_t layers = 0;
  std::int64_t attention_heads = 0;  ///< query heads; attention FLOPs scale with these
  std::int64_t kv_heads = 0;         ///< key/value heads (fewer than query heads with GQA)
  std::int64_t head_dim = 0;
  std::int64_t kv_bytes_per_element = 2;  ///< 2 for a 16-bit KV cache, 1 for fp8
  std::int64_t parameters = 0;            ///< each costs 2 FLOPs (multiply + add) per token
  std::int64_t weight_bytes = 0;          ///< read from HBM once per forward pass
};

/// One accelerator as the roofline sees it.
struct GpuSpec {
  std::string name;
  std::int64_t hbm_bytes = 0;
  double hbm_bandwidth_bytes_per_s = 0.0;
  double dense_flops_per_s = 0.0;       ///< peak dense matmul rate in the compute dtype
  double gpu_memory_utilization = 0.9;  ///< vLLM's fraction of HBM it may use
  /// Memory vLLM's profiling run finds taken by other things than weights and KV cache: peak
  /// activations of a max_num_batched_tokens forward pass, CUDA graphs, cuBLAS/NCCL workspaces.
  std::int64_t activation_reserve_bytes = 0;
  // What the simulated dcgm-exporter reports (gpu_telemetry.hpp); the defaults are an H100 SXM.
  std::string product_name = "NVIDIA H100 80GB HBM3";  ///< the modelName label, as nvidia-smi
  double max_power_w = 700.0;        ///< board power at full utilisation (the TDP)
  double idle_power_w = 70.0;        ///< board power idle with a model loaded
  double max_sm_clock_mhz = 1980.0;  ///< SM clock under load (the maximum boost clock)
  double idle_sm_clock_mhz = 345.0;  ///< SM clock when idle
};

/// Everything the InferenceModel needs to know about one deployment.
struct GpuPreset {
  std::string name;
  std::string description;
  ModelShape model;
  GpuSpec gpu;
  std::int64_t block_size_tokens = 16;         ///< KV-cache page size (vLLM --block-size)
  std::int64_t max_num_seqs = 256;             ///< most sequences running in one step
  std::int64_t max_num_batched_tokens = 8192;  ///< most tokens (prefill + decode) in one step
  /// Fixed cost of every model step on top of the roofline: CPU-side scheduling, input
  /// preparation, sampling and kernel-launch overhead.
  double step_overhead_s = 0.004;
  /// vLLM's --num-gpu-blocks-override: when positive, the KV budget in blocks, whatever the
  /// memory arithmetic says.
  std::int64_t num_gpu_blocks_override = 0;
};

/// Bytes of KV cache one token occupies: K and V (2) for each layer and KV head, head_dim
/// elements each: 2 * layers * kv_heads * head_dim * kv_bytes_per_element. This is vLLM's
/// per-token page size divided by block_size. Mistral-Small-24B in 16-bit:
/// 2 * 40 * 8 * 128 * 2 = 163,840 bytes = 160 KiB.
std::int64_t kv_bytes_per_token(const ModelShape& model);

/// Bytes left for the KV cache, as vLLM computes it: hbm * gpu_memory_utilization (rounded to the
/// nearest byte) minus weights minus the activation reserve; never negative.
std::int64_t kv_budget_bytes(const GpuPreset& preset);

/// Whole KV blocks that fit in the budget: floor(budget_bytes / (kv_bytes_per_token * block)),
/// or num_gpu_blocks_override when set.
std::int64_t kv_budget_blocks(const GpuPreset& preset);

/// Tokens of KV cache: kv_budget_blocks * block_size_tokens, i.e. floor(budget_bytes /
/// kv_bytes_per_token) rounded down to whole blocks (vLLM allocates whole blocks only).
std::int64_t kv_budget_tokens(const GpuPreset& preset);

/// The built-in presets, in a fixed order: mistral-small-24b-bf16-h100 (its KV cache is the
/// wall), mistral-small-24b-int4-h100, llama-3.1-8b-bf16-a100 (compute-bound at large batches),
/// llama-3.3-70b-bf16-b200 (slow even for one request), fast.
const std::vector<GpuPreset>& gpu_presets();

/// The preset called `name`, or nullptr.
const GpuPreset* find_preset(std::string_view name);

/// Names of every parameter set_preset_parameter() knows, in declaration order ("layers",
/// "weight_bytes", "hbm_bandwidth_bytes_per_s", "max_num_seqs", ...).
std::vector<std::string_view> preset_parameter_names();

/// Sets one parameter from text (`--engine-param KEY=VALUE`): integers for counts and bytes
/// (scientific notation such as 48e9 is accepted when it is a whole number), decimals for rates,
/// fractions and seconds. Throws SettingError about "engine_params" for an unknown key or a value
/// that does not parse.
void set_preset_parameter(GpuPreset& preset, std::string_view key, std::string_view value);

/// Throws SettingError about "preset" (one line, naming the parameter) unless the preset can run:
/// positive shape, rates and scheduler limits, gpu_memory_utilization in (0, 1], and a KV budget of
/// at least one block.
void validate_preset(const GpuPreset& preset);

}  // namespace llmpace::sim
