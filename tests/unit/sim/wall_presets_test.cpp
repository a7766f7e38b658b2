// Each wall preset's defining property, from the roofline and from the InferenceModel driven
// offline by a closed loop of N clients (each sends its next request when the last one ends), the
// load `llmpace benchmark --profile concurrent --rate N` puts on it (docs/simulator.md).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/inference_model.hpp"
#include "llmpace/sim/roofline.hpp"

using namespace llmpace::sim;

namespace {

const GpuPreset& preset(std::string_view name) {
  const GpuPreset* found = find_preset(name);
  REQUIRE(found != nullptr);
  return *found;
}

// What a closed loop saw from `from_s` to `seconds` (time-weighted over the steps).
struct LoopStats {
  double tensor_share = 0.0;  ///< sum of compute_s / busy time
  double dram_share = 0.0;    ///< sum of memory_s / busy time
  double kv_usage = 0.0;      ///< mean KV usage
  double kv_usage_max = 0.0;
  double waiting = 0.0;     ///< mean waiting requests
  double mean_itl_s = 0.0;  ///< mean gap between two tokens of a request
  double median_ttft_s = std::numeric_limits<double>::infinity();  ///< of first tokens seen
};

LoopStats closed_loop(const GpuPreset& preset, int clients, std::int64_t prompt,
                      std::int64_t output, double seconds, double from_s) {
  InferenceModel model{preset};
  std::map<RequestId, double> arrived;
  std::map<RequestId, double> last_token;
  for (int i = 0; i < clients; ++i) arrived[model.add_request(0.0, prompt, output)] = 0.0;
  double now_s = 0.0;
  double busy_s = 0.0;
  double compute_s = 0.0;
  double memory_s = 0.0;
  double kv_s = 0.0;
  double waiting_s = 0.0;
  LoopStats stats;
  std::vector<double> gaps;
  std::vector<double> ttfts;
  while (now_s < seconds) {
    const StepResult step = model.step(now_s);
    REQUIRE_FALSE(step.empty());  // a closed loop always has work
    const double duration_s = step.end_s - step.start_s;
    if (step.start_s >= from_s) {
      const double kv =
          static_cast<double>(step.kv_blocks_used) / static_cast<double>(model.kv_budget_blocks());
      busy_s += duration_s;
      compute_s += std::min(step.compute_s, duration_s);
      memory_s += std::min(step.memory_s, duration_s);
      kv_s += kv * duration_s;
      waiting_s += static_cast<double>(step.waiting) * duration_s;
      stats.kv_usage_max = std::max(stats.kv_usage_max, kv);
    }
    for (const TokenEvent& token : step.tokens) {
      if (token.index == 0 && token.time_s >= from_s) {
        ttfts.push_back(token.time_s - arrived[token.request]);
      }
      if (token.index > 0 && last_token[token.request] >= from_s) {
        gaps.push_back(token.time_s - last_token[token.request]);
      }
      last_token[token.request] = token.time_s;
    }
    now_s = step.end_s;
    for (std::size_t i = 0; i < step.finished.size(); ++i) {
      arrived[model.add_request(now_s, prompt, output)] = now_s;
    }
  }
  REQUIRE(busy_s > 0.0);
  REQUIRE_FALSE(gaps.empty());
  stats.tensor_share = compute_s / busy_s;
  stats.dram_share = memory_s / busy_s;
  stats.kv_usage = kv_s / busy_s;
  stats.waiting = waiting_s / busy_s;
  stats.mean_itl_s =
      std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
  if (ttfts.empty()) return stats;  // nobody got a first token: median_ttft_s stays infinite
  std::nth_element(ttfts.begin(), ttfts.begin() + static_cast<std::ptrdiff_t>(ttfts.size() / 2),
                   ttfts.end());
  stats.median_ttft_s = ttfts[ttfts.size() / 2];
  return stats;
}

double tensor_share(const GpuPreset& preset, const StepWork& work) {
  return compute_time_s(preset, work) / step_s(preset, work);
}

}  // namespace

TEST_CASE("the compute-wall preset: decode turns compute-bound as the batch grows",
          "[preset][walls]") {
  const GpuPreset& p = preset("llama-3.1-8b-bf16-a100");
  CHECK(kv_bytes_per_token(p.model) == 128 * 1024);
  CHECK(kv_budget_tokens(p) == 411'520);

  // Contexts of ~192 tokens (a 128-token prompt half decoded). Batch 1 reads the weights in
  // 7.9 ms and computes almost nothing; batch 256 computes longer than it reads.
  StepWork one = weights_pass(p);
  add_decode(one, p, 1, 192);
  StepWork many = weights_pass(p);
  add_decode(many, p, 256, 256 * 192);
  CHECK(compute_time_s(p, one) < 0.01 * memory_time_s(p, one));
  CHECK(compute_time_s(p, many) > 1.15 * memory_time_s(p, many));
  CHECK(tensor_share(p, many) > 0.85);
  // So the step (TPOT) grows with the batch beyond ~150 sequences, nearly in proportion.
  CHECK(decode_step_s(p, 1, 192) == Approx(0.0099).margin(0.0002));
  CHECK(decode_step_s(p, 64, 64 * 192) < 1.2 * decode_step_s(p, 1, 192));
  CHECK(decode_step_s(p, 256, 256 * 192) > 1.5 * decode_step_s(p, 1, 192));

  // The workload of docs/simulator.md: 256-token prompts, 128 output tokens. At 256 clients the
  // GPU is busy computing, TPOT is ~4x the single-client one and the KV cache is far from full.
  const LoopStats alone = closed_loop(p, 1, 256, 128, 20.0, 10.0);
  const LoopStats half = closed_loop(p, 64, 256, 128, 60.0, 30.0);
  const LoopStats full = closed_loop(p, 256, 256, 128, 60.0, 30.0);
  INFO("itl: 1 client " << alone.mean_itl_s * 1e3 << " ms, 64 clients " << half.mean_itl_s * 1e3
                        << " ms, 256 clients " << full.mean_itl_s * 1e3
                        << " ms; 256 clients: tensor " << full.tensor_share << ", dram "
                        << full.dram_share << ", kv " << full.kv_usage);
  CHECK(alone.mean_itl_s == Approx(0.0099).margin(0.0005));
  CHECK(alone.tensor_share < 0.05);
  CHECK(full.tensor_share >= 0.9);
  CHECK(full.dram_share < 0.5);
  CHECK(full.kv_usage_max < 0.3);
  CHECK(full.waiting == 0.0);  // nothing queues: 256 = max_num_seqs
  // TPOT rises with the batch: the slope a sweep measures.
  CHECK(half.mean_itl_s > 1.4 * alone.mean_itl_s);
  CHECK(full.mean_itl_s > 2.0 * half.mean_itl_s);
  CHECK(full.mean_itl_s > 3.5 * alone.mean_itl_s);

  // The prefill-heavy form, which needs only 64 clients: 2048-token prompts and 64 output tokens.
  // Every step then carries prefill chunks, so decodes wait for compute: TPOT grows with the
  // number of clients while the tensor cores stay busy.
  const LoopStats prefill_alone = closed_loop(p, 1, 2048, 64, 20.0, 10.0);
  const LoopStats prefill_16 = closed_loop(p, 16, 2048, 64, 40.0, 20.0);
  const LoopStats prefill_64 = closed_loop(p, 64, 2048, 64, 40.0, 20.0);
  INFO("prefill-heavy itl: 1 client "
       << prefill_alone.mean_itl_s * 1e3 << " ms, 16 clients " << prefill_16.mean_itl_s * 1e3
       << " ms, 64 clients " << prefill_64.mean_itl_s * 1e3 << " ms, tensor "
       << prefill_64.tensor_share << ", kv " << prefill_64.kv_usage_max);
  CHECK(prefill_64.tensor_share >= 0.95);
  CHECK(prefill_64.kv_usage_max < 0.4);
  CHECK(prefill_16.mean_itl_s > 2.0 * prefill_alone.mean_itl_s);
  CHECK(prefill_64.mean_itl_s > 2.5 * prefill_16.mean_itl_s);
  CHECK(prefill_alone.median_ttft_s == Approx(0.111).margin(0.005));  // one 2048-token chunk
}

TEST_CASE("the latency-floor preset: slow for a single request while the tensor cores idle",
          "[preset][walls]") {
  const GpuPreset& p = preset("llama-3.3-70b-bf16-b200");
  // 141 GB of bf16 weights fit neither an 80 GB H100 nor a 141 GB H200 with vLLM's 0.9.
  CHECK(p.model.weight_bytes > 141'000'000'000);
  CHECK(static_cast<double>(p.model.weight_bytes) > 0.9 * 141e9);
  CHECK(kv_bytes_per_token(p.model) == 320 * 1024);
  CHECK(kv_budget_tokens(p) == 54'624);

  // Batch-1 decode reads 141 GB at 8 TB/s: >= 20 ms per token whatever the context.
  CHECK(decode_step_s(p, 1, 0) >= 0.020);
  CHECK(decode_step_s(p, 1, 16384) >= 0.020);
  StepWork one = weights_pass(p);
  add_decode(one, p, 1, 512);
  CHECK(tensor_share(p, one) < 0.01);
  // A 16k-token prompt is two 8192-token chunks of compute-bound prefill: over a second.
  CHECK(prefill_step_s(p, 8192, 0) + prefill_step_s(p, 8192, 8192) > 1.0);

  // One client, 16384-token prompts and 256 output tokens, as docs/simulator.md runs it.
  const LoopStats alone = closed_loop(p, 1, 16384, 256, 60.0, 10.0);
  INFO("ttft " << alone.median_ttft_s << " s, itl " << alone.mean_itl_s * 1e3 << " ms, tensor "
               << alone.tensor_share << ", kv " << alone.kv_usage);
  CHECK(alone.median_ttft_s > 1.0);
  CHECK(alone.mean_itl_s >= 0.020);
  CHECK(alone.tensor_share < 0.25);  // prefill steps only; decode steps are < 1%
  CHECK(alone.dram_share > 0.6);
  CHECK(alone.waiting == 0.0);
  CHECK(alone.kv_usage_max < 0.35);
}

TEST_CASE("the KV-wall preset: 300 long streams fill the bf16 cache, INT4 keeps room",
          "[preset][walls]") {
  // From 7 s to 15 s: the bf16 cache is full, the queue long and decode memory-bound.
  const LoopStats bf16 =
      closed_loop(preset("mistral-small-24b-bf16-h100"), 300, 4096, 1024, 15.0, 7.0);
  INFO("bf16 kv " << bf16.kv_usage << " waiting " << bf16.waiting << " tensor "
                  << bf16.tensor_share);
  CHECK(bf16.kv_usage >= 0.95);
  CHECK(bf16.waiting > 200.0);
  CHECK(bf16.median_ttft_s > 7.0);  // nobody waiting got a first token in the window
  CHECK(bf16.tensor_share < 0.15);  // decode-bound: the tensor cores mostly wait for memory
  CHECK(bf16.dram_share > 0.7);
  // In the first 7 s the bf16 cache fills while INT4's stays below 0.6.
  const LoopStats bf16_early =
      closed_loop(preset("mistral-small-24b-bf16-h100"), 300, 4096, 1024, 7.0, 0.0);
  const LoopStats int4_early =
      closed_loop(preset("mistral-small-24b-int4-h100"), 300, 4096, 1024, 7.0, 0.0);
  INFO("first 7 s: bf16 kv max " << bf16_early.kv_usage_max << ", int4 kv max "
                                 << int4_early.kv_usage_max);
  CHECK(bf16_early.kv_usage_max >= 0.9);
  CHECK(int4_early.kv_usage_max < 0.6);
}
