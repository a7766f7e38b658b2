// Roofline step times; the formulas are derived in roofline.hpp.
#include "llmpace/sim/roofline.hpp"

#include <algorithm>

namespace llmpace::sim {
namespace {

double non_negative(std::int64_t tokens) {
  return static_cast<double>(std::max<std::int64_t>(0, tokens));
}

// FLOPs of one (query token, key token) attention pair over all layers: QK^T and scores x V, each
// head_dim multiply-adds (2 FLOPs) per head.
double attention_flops_per_pair(const ModelShape& model) {
  return 4.0 * static_cast<double>(model.layers * model.attention_heads * model.head_dim);
}

double linear_flops_per_token(const ModelShape& model) {
  return 2.0 * static_cast<double>(model.parameters);
}

}  // namespace

StepWork weights_pass(const GpuPreset& preset) {
  return StepWork{static_cast<double>(preset.model.weight_bytes), 0.0};
}

void add_decode(StepWork& work, const GpuPreset& preset, std::int64_t sequences,
                std::int64_t context_tokens) {
  const double new_tokens = non_negative(sequences);
  const double pairs = non_negative(context_tokens) + new_tokens;
  work.hbm_bytes += pairs * static_cast<double>(kv_bytes_per_token(preset.model));
  work.flops += new_tokens * linear_flops_per_token(preset.model) +
                pairs * attention_flops_per_pair(preset.model);
}

void add_prefill_chunk(StepWork& work, const GpuPreset& preset, std::int64_t chunk_tokens,
                       std::int64_t context_tokens) {
  const double chunk = non_negative(chunk_tokens);
  const double context = non_negative(context_tokens);
  const double pairs = chunk * context + chunk * (chunk + 1.0) / 2.0;
  work.hbm_bytes += (context + chunk) * static_cast<double>(kv_bytes_per_token(preset.model));
  work.flops +=
      chunk * linear_flops_per_token(preset.model) + pairs * attention_flops_per_pair(preset.model);
}

double memory_time_s(const GpuPreset& preset, const StepWork& work) {
  return work.hbm_bytes / preset.gpu.hbm_bandwidth_bytes_per_s;
}

double compute_time_s(const GpuPreset& preset, const StepWork& work) {
  return work.flops / preset.gpu.dense_flops_per_s;
}

double step_s(const GpuPreset& preset, const StepWork& work) {
  return preset.step_overhead_s +
         std::max(memory_time_s(preset, work), compute_time_s(preset, work));
}

double decode_step_s(const GpuPreset& preset, std::size_t batch_sequences,
                     std::int64_t batch_context_tokens) {
  StepWork work = weights_pass(preset);
  add_decode(work, preset, static_cast<std::int64_t>(batch_sequences), batch_context_tokens);
  return step_s(preset, work);
}

double prefill_step_s(const GpuPreset& preset, std::int64_t prefill_tokens,
                      std::int64_t context_tokens_attended) {
  StepWork work = weights_pass(preset);
  add_prefill_chunk(work, preset, prefill_tokens, context_tokens_attended);
  return step_s(preset, work);
}

double mixed_step_s(const GpuPreset& preset, std::size_t decode_sequences,
                    std::int64_t decode_context_tokens, std::int64_t prefill_tokens,
                    std::int64_t prefill_context_tokens) {
  StepWork work = weights_pass(preset);
  add_decode(work, preset, static_cast<std::int64_t>(decode_sequences), decode_context_tokens);
  add_prefill_chunk(work, preset, prefill_tokens, prefill_context_tokens);
  return step_s(preset, work);
}

}  // namespace llmpace::sim
