// Roofline step time of one model step (one forward pass over a continuous batch) for an
// GpuPreset: the step costs a fixed overhead plus the larger of its HBM time and its compute
// time, each at the GPU's peak rate.
//
//   step_s = step_overhead_s + max(hbm_bytes / hbm_bandwidth, flops / dense_flops)
//
// HBM bytes: the weights once per step, plus the KV cache the batch reads (its context) and
// writes (its new tokens). FLOPs: 2 * parameters per token processed (a multiply and an add per
// weight; the input embedding is counted too, a ~3% overestimate for Mistral-Small-24B), plus
// attention: 4 * layers * attention_heads * head_dim per (query token, key token) pair (QK^T and
// scores x V, 2 FLOPs per multiply-add each). Decode is therefore memory-bound (the weights
// dominate until the batch is large) and prefill compute-bound. Peak rates make the times
// optimistic lower bounds: real kernels reach perhaps 70-90% of peak bandwidth and 50-70% of peak
// FLOPs.
//
// Token counts below zero count as zero. Pure arithmetic, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>

#include "llmpace/sim/gpu_preset.hpp"

namespace llmpace::sim {

/// What one step moves and computes; build it with the add_* functions to mix several prefill
/// chunks and decodes in one batch, then price it with step_s.
struct StepWork {
  double hbm_bytes = 0.0;
  double flops = 0.0;
};

/// The work every step does regardless of batch: reading all weights once.
StepWork weights_pass(const GpuPreset& preset);

/// Adds `sequences` decoding one token each, which together have `context_tokens` tokens already
/// in the KV cache. Each new token attends its context and itself, so the attention pairs and the
/// KV bytes (context read, new token written) are both (context_tokens + sequences).
void add_decode(StepWork& work, const GpuPreset& preset, std::int64_t sequences,
                std::int64_t context_tokens);

/// Adds a prefill chunk of `chunk_tokens` of one sequence that already has `context_tokens` in the
/// KV cache (a cached prefix or earlier chunks). Causal attention: token i of the chunk attends
/// context + i + 1 keys, so pairs = chunk * context + chunk * (chunk + 1) / 2; KV bytes = context
/// read plus chunk written.
void add_prefill_chunk(StepWork& work, const GpuPreset& preset, std::int64_t chunk_tokens,
                       std::int64_t context_tokens);

double memory_time_s(const GpuPreset& preset, const StepWork& work);
double compute_time_s(const GpuPreset& preset, const StepWork& work);
/// step_overhead_s + max(memory_time_s, compute_time_s).
double step_s(const GpuPreset& preset, const StepWork& work);

/// A pure decode step: `batch_sequences` sequences with `batch_context_tokens` cached in total.
double decode_step_s(const GpuPreset& preset, std::size_t batch_sequences,
                     std::int64_t batch_context_tokens);

/// A pure prefill step of one chunk of `prefill_tokens` after `context_tokens_attended` tokens of
/// the same sequence already in the cache (0 for a fresh prompt).
double prefill_step_s(const GpuPreset& preset, std::int64_t prefill_tokens,
                      std::int64_t context_tokens_attended);

/// A chunked-prefill step: decodes and one prefill chunk in the same forward pass, so bytes and
/// FLOPs add and the weights are read once.
double mixed_step_s(const GpuPreset& preset, std::size_t decode_sequences,
                    std::int64_t decode_context_tokens, std::int64_t prefill_tokens,
                    std::int64_t prefill_context_tokens = 0);

}  // namespace llmpace::sim
