// Engine presets, their KV-cache budgets and the roofline step times derived from them.
#include "llmpace/sim/gpu_preset.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "llmpace/sim/roofline.hpp"

using namespace llmpace::sim;

namespace {

const GpuPreset& preset(const char* name) {
  const GpuPreset* found = find_preset(name);
  REQUIRE(found != nullptr);
  return *found;
}

const GpuPreset& bf16() { return preset("mistral-small-24b-bf16-h100"); }
const GpuPreset& int4() { return preset("mistral-small-24b-int4-h100"); }

}  // namespace

TEST_CASE("presets are listed by unique names and found by name", "[preset]") {
  std::set<std::string> names;
  for (const GpuPreset& p : gpu_presets()) {
    CHECK(names.insert(p.name).second);
    CHECK(find_preset(p.name) == &p);
    CHECK_FALSE(p.description.empty());
    CHECK(kv_budget_tokens(p) > 0);
    CHECK(p.max_num_batched_tokens >= p.max_num_seqs);
  }
  CHECK(names == std::set<std::string>{"mistral-small-24b-bf16-h100", "mistral-small-24b-int4-h100",
                                       "llama-3.1-8b-bf16-a100", "llama-3.3-70b-bf16-b200",
                                       "fast"});
  CHECK(find_preset("h100") == nullptr);
  CHECK(find_preset("") == nullptr);
}

TEST_CASE("Mistral-Small-24B stores 160 KiB of KV per token in 16-bit", "[preset]") {
  CHECK(kv_bytes_per_token(bf16().model) == 163'840);
  CHECK(kv_bytes_per_token(int4().model) == 160 * 1024);
  CHECK(kv_bytes_per_token(preset("fast").model) == 1024);
}

TEST_CASE("KV budgets follow vLLM's formula in whole blocks", "[preset]") {
  // 80e9 * 0.9 - 48e9 - 2e9 = 22e9 bytes / (163,840 * 16) = 8392.3 blocks.
  CHECK(kv_budget_bytes(bf16()) == 22'000'000'000);
  CHECK(kv_budget_blocks(bf16()) == 8392);
  CHECK(kv_budget_tokens(bf16()) == 134'272);
  // 80e9 * 0.9 - 14e9 - 2e9 = 56e9 bytes = 21362.3 blocks.
  CHECK(kv_budget_bytes(int4()) == 56'000'000'000);
  CHECK(kv_budget_blocks(int4()) == 21'362);
  CHECK(kv_budget_tokens(int4()) == 341'792);
  CHECK(kv_budget_tokens(preset("fast")) == 4096);
  CHECK(kv_budget_blocks(preset("fast")) == 256);
}

TEST_CASE("INT4 weights leave about 2.4 times the KV budget of bf16", "[preset]") {
  const double ratio =
      static_cast<double>(kv_budget_tokens(int4())) / static_cast<double>(kv_budget_tokens(bf16()));
  CHECK(ratio > 2.2);
  CHECK(ratio < 2.6);
}

TEST_CASE("a budget smaller than the weights is empty not negative", "[preset]") {
  GpuPreset tight = bf16();
  tight.gpu.hbm_bytes = 40'000'000'000;
  CHECK(kv_budget_bytes(tight) == 0);
  CHECK(kv_budget_tokens(tight) == 0);
}

TEST_CASE("a single decode step reads the weights once", "[preset]") {
  CHECK(decode_step_s(bf16(), 1, 512) == Approx(0.004 + 48e9 / 3.35e12).epsilon(0.01));
  CHECK(decode_step_s(int4(), 1, 512) == Approx(0.004 + 14e9 / 3.35e12).epsilon(0.01));
  CHECK(decode_step_s(int4(), 1, 512) < decode_step_s(bf16(), 1, 512));
  CHECK(decode_step_s(preset("fast"), 1, 100) == Approx(0.002).epsilon(0.01));
}

TEST_CASE("decode is memory-bound: batch 64 at short context costs little more", "[preset]") {
  for (const GpuPreset* p : {&bf16(), &int4()}) {
    const double one = decode_step_s(*p, 1, 512);
    const double sixty_four = decode_step_s(*p, 64, 64 * 512);
    CHECK(sixty_four > one);
    CHECK(sixty_four < 1.3 * one);
  }
}

TEST_CASE("prefill is compute-bound and grows about linearly", "[preset]") {
  const GpuPreset& p = bf16();
  StepWork work = weights_pass(p);
  add_prefill_chunk(work, p, 4096, 0);
  CHECK(compute_time_s(p, work) > memory_time_s(p, work));
  const double t4096 = prefill_step_s(p, 4096, 0) - p.step_overhead_s;
  const double t8192 = prefill_step_s(p, 8192, 0) - p.step_overhead_s;
  CHECK(t4096 == Approx(2.0 * 24e9 * 4096 / 990e12).epsilon(0.05));
  CHECK(t8192 / t4096 > 1.9);
  CHECK(t8192 / t4096 < 2.15);  // only the attention term is quadratic
}

TEST_CASE("step times are monotonic in every argument", "[preset]") {
  for (const GpuPreset& p : gpu_presets()) {
    for (std::int64_t n = 1; n < 100'000; n *= 4) {
      const auto seqs = static_cast<std::size_t>(n);
      CHECK(decode_step_s(p, seqs + 1, 1000) >= decode_step_s(p, seqs, 1000));
      CHECK(decode_step_s(p, 8, n * 4) > decode_step_s(p, 8, n));
      CHECK(prefill_step_s(p, n * 4, 0) >= prefill_step_s(p, n, 0));
      CHECK(prefill_step_s(p, 512, n * 4) > prefill_step_s(p, 512, n));
      CHECK(mixed_step_s(p, seqs + 1, 1000, 256) >= mixed_step_s(p, seqs, 1000, 256));
      CHECK(mixed_step_s(p, 8, n * 4, 256) > mixed_step_s(p, 8, n, 256));
      CHECK(mixed_step_s(p, 8, 1000, n * 4) >= mixed_step_s(p, 8, 1000, n));
    }
  }
}

TEST_CASE("a mixed step reads the weights once for its decodes and its prefill", "[preset]") {
  for (const GpuPreset& p : gpu_presets()) {
    const double decode = decode_step_s(p, 32, 32 * 1000);
    const double prefill = prefill_step_s(p, 2048, 0);
    const double mixed = mixed_step_s(p, 32, 32 * 1000, 2048);
    CHECK(mixed >= decode);
    CHECK(mixed >= prefill);
    CHECK(mixed < decode + prefill);
    CHECK(mixed_step_s(p, 32, 32 * 1000, 0) == Approx(decode));
    CHECK(mixed_step_s(p, 0, 0, 2048) == Approx(prefill));
  }
}

TEST_CASE("negative token counts count as zero", "[preset]") {
  CHECK(prefill_step_s(bf16(), -5, -5) == Approx(prefill_step_s(bf16(), 0, 0)));
  CHECK(decode_step_s(bf16(), 0, -100) == Approx(decode_step_s(bf16(), 0, 0)));
}
