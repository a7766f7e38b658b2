// The continuous-batching InferenceModel: step times from the roofline, FCFS admission under the KV
// budget, chunked prefill, recompute preemption, prefix caching and determinism, on the small
// `fast` preset (and copies of it with a smaller KV budget).
#include "llmpace/sim/inference_model.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/roofline.hpp"

using namespace llmpace::sim;

namespace {

const GpuPreset& fast() {
  const GpuPreset* found = find_preset("fast");
  REQUIRE(found != nullptr);
  return *found;
}

// Runs the model until it has no work: `now = end_s` after a step, the next arrival after an
// empty one. Fails the test instead of looping forever.
std::vector<StepResult> run_all(InferenceModel& model, double now_s = 0.0) {
  std::vector<StepResult> steps;
  while (model.has_work()) {
    REQUIRE(steps.size() < 200000);
    StepResult result = model.step(now_s);
    if (result.empty()) {
      REQUIRE(result.end_s == now_s);
      REQUIRE(model.next_arrival_s().has_value());
      REQUIRE(*model.next_arrival_s() > now_s);
      now_s = *model.next_arrival_s();
    } else {
      REQUIRE(result.end_s > result.start_s);
      now_s = result.end_s;
    }
    steps.push_back(std::move(result));
  }
  return steps;
}

// Token times of each request, in the order produced; checks indices are 0, 1, 2, ...
std::map<RequestId, std::vector<double>> token_times(const std::vector<StepResult>& steps) {
  std::map<RequestId, std::vector<double>> times;
  for (const StepResult& s : steps) {
    for (const TokenEvent& t : s.tokens) {
      std::vector<double>& mine = times[t.request];
      CHECK(t.index == static_cast<std::int64_t>(mine.size()));
      CHECK(t.time_s == s.end_s);
      mine.push_back(t.time_s);
    }
  }
  return times;
}

// `fast` with a KV budget of `blocks` blocks of 16 tokens.
GpuPreset fast_with_blocks(std::int64_t blocks) {
  GpuPreset preset = fast();
  preset.gpu.hbm_bytes = preset.model.weight_bytes + preset.gpu.activation_reserve_bytes +
                         blocks * preset.block_size_tokens * kv_bytes_per_token(preset.model);
  REQUIRE(kv_budget_blocks(preset) == blocks);
  return preset;
}

// Block hashes seed * 1000 + 0, 1, ...: two requests share a prefix when they share a seed (the
// hashes stand for chained hashes, so a shared hash means a shared prefix up to that block).
std::vector<std::uint64_t> hashes(std::uint64_t seed, std::int64_t blocks) {
  std::vector<std::uint64_t> out;
  for (std::int64_t i = 0; i < blocks; ++i)
    out.push_back(seed * 1000 + static_cast<std::uint64_t>(i));
  return out;
}

std::vector<std::uint64_t> operator+(std::vector<std::uint64_t> a,
                                     const std::vector<std::uint64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("one request is a prefill step then decode steps priced by the roofline",
          "[inference_model]") {
  InferenceModel model(fast());
  const RequestId id = model.add_request(0.0, 100, 5);

  StepResult first = model.step(0.0);
  CHECK(first.start_s == 0.0);
  CHECK(first.prefill_tokens == 100);
  CHECK(first.decode_sequences == 0);
  CHECK(first.running == 1);
  CHECK(first.waiting == 0);
  CHECK(first.kv_blocks_used == 7);  // ceil(100 / 16)
  CHECK(first.end_s - first.start_s == Approx(prefill_step_s(fast(), 100, 0)));
  // The step carries both roofline prices; it lasts the overhead plus the larger one.
  StepWork prefill = weights_pass(fast());
  add_prefill_chunk(prefill, fast(), 100, 0);
  CHECK(first.memory_s == Approx(memory_time_s(fast(), prefill)));
  CHECK(first.compute_s == Approx(compute_time_s(fast(), prefill)));
  CHECK(first.end_s - first.start_s ==
        Approx(fast().step_overhead_s + std::max(first.memory_s, first.compute_s)));
  REQUIRE(first.tokens.size() == 1);
  CHECK(first.tokens[0].request == id);
  CHECK(first.tokens[0].index == 0);
  CHECK(first.tokens[0].time_s == first.end_s);
  CHECK(first.finished.empty());
  CHECK(model.prompt_tokens_total() == 100);

  double now_s = first.end_s;
  for (std::int64_t k = 1; k <= 4; ++k) {
    StepResult s = model.step(now_s);
    CHECK(s.start_s == now_s);
    CHECK(s.prefill_tokens == 0);
    CHECK(s.decode_sequences == 1);
    // Decode k writes the KV of token 100 + k - 1 after that many cached.
    CHECK(s.end_s - s.start_s == Approx(decode_step_s(fast(), 1, 100 + k - 1)));
    REQUIRE(s.tokens.size() == 1);
    CHECK(s.tokens[0].index == k);
    CHECK(s.finished.size() == (k == 4 ? 1u : 0u));
    now_s = s.end_s;
  }
  CHECK(model.running() == 0);
  CHECK(model.kv_blocks_used() == 0);
  CHECK(model.kv_usage_fraction() == 0.0);
  CHECK(model.generation_tokens_total() == 5);
  CHECK_FALSE(model.has_work());

  StepResult idle = model.step(now_s);
  CHECK(idle.empty());
  CHECK(idle.end_s == now_s);
  CHECK(idle.tokens.empty());
}

TEST_CASE("a long prompt is prefilled in chunks of the token budget", "[inference_model]") {
  InferenceModel model(fast());  // max_num_batched_tokens 1024
  model.add_request(0.0, 2500, 2);
  StepResult a = model.step(0.0);
  CHECK(a.prefill_tokens == 1024);
  CHECK(a.kv_blocks_used == 157);  // ceil(2500 / 16), held from admission
  CHECK(a.tokens.empty());
  StepResult b = model.step(a.end_s);
  CHECK(b.prefill_tokens == 1024);
  CHECK(b.end_s - b.start_s == Approx(prefill_step_s(fast(), 1024, 1024)));
  CHECK(b.tokens.empty());
  StepResult c = model.step(b.end_s);
  CHECK(c.prefill_tokens == 452);
  REQUIRE(c.tokens.size() == 1);
  CHECK(c.tokens[0].index == 0);
}

TEST_CASE("requests that can never fit the KV budget are rejected up front", "[inference_model]") {
  InferenceModel model(fast());  // 256 blocks = 4096 tokens
  CHECK_THROWS_AS(model.add_request(0.0, 5000, 1), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 4000, 200), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 0, 10), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 10, 0), std::invalid_argument);
  CHECK(model.add_request(0.0, 4096, 1) == 0);
  CHECK(model.add_request(0.0, 4000, 97) == 1);  // peak 4096 tokens
  const std::vector<StepResult> steps = run_all(model);
  CHECK(model.generation_tokens_total() == 98);
}

TEST_CASE("tokens come at increasing times and every request finishes", "[inference_model]") {
  InferenceModel model(fast());
  std::vector<RequestId> ids;
  for (int i = 0; i < 30; ++i) {
    const double arrival_s = 0.003 * (i % 7) + 0.05 * (i / 10);
    ids.push_back(model.add_request(arrival_s, 20 + 37 * (i % 11), 1 + 13 * (i % 5)));
  }
  const std::vector<StepResult> steps = run_all(model);
  const auto times = token_times(steps);
  std::size_t finished = 0;
  for (const StepResult& s : steps) finished += s.finished.size();
  CHECK(finished == ids.size());
  for (int i = 0; i < 30; ++i) {
    const std::vector<double>& mine = times.at(ids[i]);
    CHECK(static_cast<std::int64_t>(mine.size()) == 1 + 13 * (i % 5));
    CHECK(mine.front() > 0.003 * (i % 7) + 0.05 * (i / 10));  // after arrival
    for (std::size_t k = 1; k < mine.size(); ++k) CHECK(mine[k] > mine[k - 1]);
  }
  CHECK(model.running() == 0);
  CHECK(model.waiting() == 0);
  CHECK(model.kv_blocks_used() == 0);
}

TEST_CASE("many long requests fill the KV cache and leave requests waiting", "[inference_model]") {
  InferenceModel model(fast());
  for (int i = 0; i < 40; ++i) model.add_request(0.0, 200, 200);
  const std::vector<StepResult> steps = run_all(model);
  bool full_with_waiting = false;
  for (const StepResult& s : steps) {
    CHECK(s.running <= fast().max_num_seqs);
    CHECK(s.kv_blocks_used <= model.kv_budget_blocks());
    CHECK(s.prefill_tokens + s.decode_sequences <= fast().max_num_batched_tokens);
    if (s.waiting > 0 && s.kv_blocks_used >= 0.9 * static_cast<double>(model.kv_budget_blocks())) {
      full_with_waiting = true;
    }
  }
  CHECK(full_with_waiting);
  CHECK(model.generation_tokens_total() == 40 * 200);
  CHECK(model.prompt_tokens_total() == 40 * 200);
  const auto times = token_times(steps);
  CHECK(times.size() == 40);
}

TEST_CASE("running out of KV blocks mid-decode preempts and still finishes everything",
          "[inference_model]") {
  // 16 short prompts fit at once (1 block each); at 400 output tokens each would need 26 blocks,
  // 416 in all against a budget of 256, so the cache runs out during decode.
  InferenceModel model(fast());
  for (int i = 0; i < 16; ++i) model.add_request(0.0, 16, 400);
  const std::vector<StepResult> steps = run_all(model);
  std::int64_t preempted = 0;
  std::size_t finished = 0;
  for (const StepResult& s : steps) {
    preempted += static_cast<std::int64_t>(s.preempted.size());
    finished += s.finished.size();
    CHECK(s.kv_blocks_used <= model.kv_budget_blocks());
  }
  CHECK(preempted >= 1);
  CHECK(model.preemptions_total() == preempted);
  CHECK(finished == 16);
  CHECK(model.generation_tokens_total() == 16 * 400);
  CHECK(model.prompt_tokens_total() == 16 * 16);  // re-prefills are not counted again
  const auto times = token_times(steps);          // indices stay 0..399 across preemptions
  for (const auto& [id, mine] : times) {
    CHECK(mine.size() == 400);
    for (std::size_t k = 1; k < mine.size(); ++k) CHECK(mine[k] > mine[k - 1]);
  }
  CHECK(model.kv_blocks_used() == 0);
}

TEST_CASE("decode steps stay flat with batch size while TTFT grows under a burst",
          "[inference_model]") {
  SECTION("decode step time at short context is memory-bound") {
    InferenceModel model(fast());
    for (int i = 0; i < 16; ++i) model.add_request(0.0, 16, 40);
    const std::vector<StepResult> steps = run_all(model);
    double full_batch_s = 0.0;
    for (const StepResult& s : steps) {
      if (s.decode_sequences == 16 && s.prefill_tokens == 0) full_batch_s = s.end_s - s.start_s;
    }
    REQUIRE(full_batch_s > 0.0);
    const double single_s = decode_step_s(fast(), 1, 16);
    CHECK(full_batch_s >= single_s);
    CHECK(full_batch_s < 1.05 * single_s);
  }
  SECTION("later requests of a burst wait longer for their first token") {
    InferenceModel model(fast());
    std::vector<RequestId> ids;
    for (int i = 0; i < 32; ++i) ids.push_back(model.add_request(0.0, 300, 8));
    const auto times = token_times(run_all(model));
    std::vector<double> ttft_s;
    for (const RequestId id : ids) ttft_s.push_back(times.at(id).front() - 0.0);
    for (std::size_t i = 1; i < ttft_s.size(); ++i) CHECK(ttft_s[i] >= ttft_s[i - 1]);
    CHECK(ttft_s.back() > 3.0 * ttft_s.front());
  }
}

TEST_CASE("the same inputs give identical steps", "[inference_model]") {
  auto run = [] {
    InferenceModel model(fast());
    for (int i = 0; i < 25; ++i) model.add_request(0.002 * i, 50 + 90 * (i % 4), 150 + 10 * i);
    return run_all(model);
  };
  const std::vector<StepResult> a = run();
  const std::vector<StepResult> b = run();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].start_s == b[i].start_s);
    CHECK(a[i].end_s == b[i].end_s);
    CHECK(a[i].running == b[i].running);
    CHECK(a[i].waiting == b[i].waiting);
    CHECK(a[i].prefill_tokens == b[i].prefill_tokens);
    CHECK(a[i].decode_sequences == b[i].decode_sequences);
    CHECK(a[i].kv_blocks_used == b[i].kv_blocks_used);
    CHECK(a[i].finished == b[i].finished);
    CHECK(a[i].preempted == b[i].preempted);
    REQUIRE(a[i].tokens.size() == b[i].tokens.size());
    for (std::size_t k = 0; k < a[i].tokens.size(); ++k) {
      CHECK(a[i].tokens[k].request == b[i].tokens[k].request);
      CHECK(a[i].tokens[k].index == b[i].tokens[k].index);
      CHECK(a[i].tokens[k].time_s == b[i].tokens[k].time_s);
    }
  }
}

TEST_CASE("an aborted request frees its KV blocks and produces no more tokens",
          "[inference_model]") {
  InferenceModel model{fast()};
  const RequestId a = model.add_request(0.0, 1000, 100);
  const RequestId b = model.add_request(0.0, 1000, 100);
  StepResult first = model.step(0.0);
  CHECK(first.admitted == std::vector<RequestId>{a, b});
  const std::int64_t blocks_with_both = model.kv_blocks_used();
  REQUIRE(blocks_with_both > 0);
  model.abort(a);
  CHECK(model.kv_blocks_used() < blocks_with_both);
  CHECK(model.running() == 1);
  model.abort(a);  // twice is harmless
  const RequestId late = model.add_request(10.0, 10, 10);
  model.abort(late);  // not arrived yet
  const auto times = token_times(run_all(model, first.end_s));
  CHECK(times.count(a) == 0);
  CHECK(times.count(late) == 0);
  REQUIRE(times.count(b) == 1);
  CHECK(times.at(b).size() == 100);  // the first step only began its chunked prefill
  CHECK(model.kv_blocks_used() == 0);
  CHECK_FALSE(model.has_work());
}

TEST_CASE("a shared prompt prefix hits the cache and caps a full hit below the prompt",
          "[inference_model]") {
  InferenceModel model(fast());
  REQUIRE(model.prefix_caching());
  const std::vector<std::uint64_t> prefix = hashes(1, 4);  // 64 tokens

  model.add_request(0.0, 80, 1, prefix + hashes(2, 1));
  const std::vector<StepResult> a = run_all(model);
  REQUIRE(a.size() == 1);
  CHECK(a[0].prefill_tokens == 80);
  CHECK(model.prefix_cache_queries_total() == 80);
  CHECK(model.prefix_cache_hits_total() == 0);
  CHECK(model.kv_blocks_used() == 0);
  CHECK(model.kv_blocks_cached() == 5);  // all five blocks had a hash
  CHECK(model.kv_usage_fraction() == 0.0);

  // 80 tokens sharing the 64-token prefix: 4 blocks hit, one block computed.
  model.add_request(1.0, 80, 1, prefix + hashes(3, 1));
  const std::vector<StepResult> b = run_all(model, 1.0);
  REQUIRE(b.size() == 1);
  CHECK(b[0].prefill_tokens == 16);
  CHECK(b[0].kv_blocks_used == 5);
  CHECK(b[0].end_s - b[0].start_s == Approx(prefill_step_s(fast(), 16, 64)));
  CHECK(model.prefix_cache_queries_total() == 160);
  CHECK(model.prefix_cache_hits_total() == 64);
  CHECK(model.kv_blocks_cached() == 6);  // its own last block joined the cache

  // The identical 64-token prompt: the hit is capped at 63 tokens, so 3 blocks, 16 recomputed.
  model.add_request(2.0, 64, 1, prefix);
  const std::vector<StepResult> c = run_all(model, 2.0);
  REQUIRE(c.size() == 1);
  CHECK(c[0].prefill_tokens == 16);
  CHECK(c[0].kv_blocks_used == 4);
  CHECK(model.prefix_cache_queries_total() == 224);
  CHECK(model.prefix_cache_hits_total() == 112);
  CHECK(model.kv_blocks_cached() == 6);  // its recomputed last block duplicates a cached one
  CHECK(model.kv_blocks_used() == 0);
  CHECK(model.prompt_tokens_total() == 224);  // cached prompt tokens still count as prompt

  // A prompt without hashes neither hits nor adds to the cache.
  model.add_request(3.0, 80, 1);
  const std::vector<StepResult> d = run_all(model, 3.0);
  CHECK(d[0].prefill_tokens == 80);
  CHECK(model.prefix_cache_queries_total() == 304);
  CHECK(model.prefix_cache_hits_total() == 112);
  CHECK(model.kv_blocks_cached() == 6);
}

TEST_CASE("with prefix caching off nothing is cached or counted", "[inference_model]") {
  InferenceModel model(fast(), false);
  CHECK_FALSE(model.prefix_caching());
  model.add_request(0.0, 80, 1, hashes(1, 5));
  model.add_request(1.0, 80, 1, hashes(1, 5));
  const std::vector<StepResult> steps = run_all(model);
  REQUIRE(steps.size() == 3);  // prefill, idle until the second arrival, prefill
  CHECK(steps[0].prefill_tokens == 80);
  CHECK(steps[2].prefill_tokens == 80);
  CHECK(model.kv_blocks_cached() == 0);
  CHECK(model.prefix_cache_queries_total() == 0);
  CHECK(model.prefix_cache_hits_total() == 0);
}

TEST_CASE("a prefix-cache hit shortens the time to first token", "[inference_model]") {
  // 1000 tokens is compute-bound on `fast`, so the prefill cost shows in the step time.
  InferenceModel model(fast());
  const RequestId first = model.add_request(0.0, 1000, 2, hashes(7, 62));
  const RequestId second = model.add_request(1.0, 1000, 2, hashes(7, 62));
  const std::vector<StepResult> steps = run_all(model);
  const auto times = token_times(steps);
  const double first_ttft_s = times.at(first).front() - 0.0;
  const double second_ttft_s = times.at(second).front() - 1.0;
  CHECK(second_ttft_s == Approx(prefill_step_s(fast(), 1000 - 62 * 16, 62 * 16)));
  CHECK(first_ttft_s == Approx(prefill_step_s(fast(), 1000, 0)));
  CHECK(second_ttft_s < 0.7 * first_ttft_s);  // 2 ms against 3 ms
  CHECK(model.prefix_cache_hits_total() == 62 * 16);
}

TEST_CASE("blocks shared by running requests are counted once", "[inference_model]") {
  InferenceModel model(fast());
  model.add_request(0.0, 80, 10, hashes(1, 4) + hashes(2, 1));
  StepResult first = model.step(0.0);
  CHECK(first.kv_blocks_used == 5);
  // The second shares the first's 4 prefix blocks while both run.
  model.add_request(first.end_s, 80, 10, hashes(1, 4) + hashes(3, 1));
  StepResult second = model.step(first.end_s);
  CHECK(second.admitted.size() == 1);
  CHECK(second.decode_sequences == 1);
  CHECK(second.prefill_tokens == 16);
  // First: 5 prompt blocks + 1 for its first decode; second: 1 new block.
  CHECK(second.kv_blocks_used == 7);
  CHECK(model.kv_blocks_used() == 7);
  CHECK(model.kv_usage_fraction() == Approx(7.0 / 256.0));
  CHECK(model.kv_blocks_cached() == 0);  // cached blocks in use are not free
  run_all(model, second.end_s);
  CHECK(model.kv_blocks_used() == 0);
  // The 4 shared blocks plus one last prompt block each; decode blocks are never cached.
  CHECK(model.kv_blocks_cached() == 6);
}

TEST_CASE("new blocks evict the least recently released cached blocks tail first",
          "[inference_model]") {
  InferenceModel model(fast());  // 256 blocks
  double now_s = 0.0;
  const auto run_one = [&](std::int64_t prompt_tokens, std::vector<std::uint64_t> block_hashes) {
    model.add_request(now_s, prompt_tokens, 1, std::move(block_hashes));
    const std::vector<StepResult> steps = run_all(model, now_s);
    now_s = steps.back().end_s;
    return steps;
  };
  run_one(1600, hashes(1, 100));
  run_one(1600, hashes(2, 100));
  CHECK(model.kv_blocks_cached() == 200);
  CHECK(model.kv_blocks_used() == 0);

  // 100 new blocks, 56 never used: it is admitted at once and evicts 44 cached blocks, those
  // released longest ago (the first request's), from its last block backwards.
  const std::vector<StepResult> third = run_one(1600, {});
  REQUIRE_FALSE(third.empty());
  CHECK(third.front().admitted.size() == 1);
  CHECK(model.kv_blocks_cached() == 156);
  CHECK(model.prefix_cache_hits_total() == 0);

  // The first request's prompt again: only its first 56 blocks survived.
  run_one(1600, hashes(1, 100));
  CHECK(model.prefix_cache_hits_total() == 56 * 16);
  // The second request's prompt: all 100 survived; the hit is capped at 99 blocks.
  run_one(1600, hashes(2, 100));
  CHECK(model.prefix_cache_hits_total() == 56 * 16 + 99 * 16);
  CHECK(model.prefix_cache_queries_total() == 5 * 1600);
  CHECK(model.kv_blocks_used() == 0);
}

TEST_CASE("a preempted request re-queries the cache and hits its own prompt blocks",
          "[inference_model]") {
  // 8 blocks: two requests of 2 prompt blocks and a peak of 6 blocks cannot both finish. The newer
  // is preempted when the older needs its 5th block, and re-admitted when the older finishes.
  for (const bool caching : {true, false}) {
    InferenceModel model(fast_with_blocks(8), caching);
    const RequestId a = model.add_request(0.0, 32, 60, hashes(1, 2));
    const RequestId b = model.add_request(0.0, 32, 60, hashes(2, 2));
    const std::vector<StepResult> steps = run_all(model);
    std::size_t preempted_at = 0;
    std::size_t readmitted_at = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (!steps[i].preempted.empty()) {
        CHECK(steps[i].preempted == std::vector<RequestId>{b});
        CHECK(preempted_at == 0);
        preempted_at = i;
      }
      if (i > 0 && steps[i].prefill_tokens > 0) {
        CHECK(readmitted_at == 0);
        readmitted_at = i;
      }
    }
    REQUIRE(preempted_at > 0);
    REQUIRE(readmitted_at > preempted_at);
    CHECK(steps[readmitted_at].admitted.empty());  // a re-admission
    CHECK(steps[readmitted_at].decode_sequences == 0);
    CHECK(steps[readmitted_at - 1].finished == std::vector<RequestId>{a});
    // b had 33 tokens out (prompt + 33 known = 65): it re-prefills all but its 2 cached blocks.
    CHECK(steps[readmitted_at].prefill_tokens == (caching ? 33 : 65));
    CHECK(model.prefix_cache_queries_total() == (caching ? 32 + 32 + 65 : 0));
    CHECK(model.prefix_cache_hits_total() == (caching ? 32 : 0));
    CHECK(model.preemptions_total() == 1);
    CHECK(model.generation_tokens_total() == 120);
    const auto times = token_times(steps);
    CHECK(times.at(b).size() == 60);
    CHECK(model.kv_blocks_used() == 0);
  }
}

TEST_CASE("more prompt block hashes than full prompt blocks are rejected", "[inference_model]") {
  InferenceModel model(fast());
  CHECK_THROWS_AS(model.add_request(0.0, 15, 1, hashes(1, 1)), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 47, 1, hashes(1, 3)), std::invalid_argument);
  CHECK(model.add_request(0.0, 48, 1, hashes(1, 3)) == 0);
  CHECK(model.add_request(0.0, 48, 1, hashes(1, 2)) == 1);
}

TEST_CASE("prefix caching under preemption and eviction stays deterministic", "[inference_model]") {
  auto run = [] {
    InferenceModel model(fast_with_blocks(64));
    for (int i = 0; i < 40; ++i) {
      const std::int64_t prompt_tokens = 40 + 37 * (i % 9);
      const std::int64_t shared = std::min<std::int64_t>(prompt_tokens / 16, 1 + i % 5);
      const std::vector<std::uint64_t> block_hashes =
          hashes(static_cast<std::uint64_t>(i % 3), shared) +
          hashes(100 + static_cast<std::uint64_t>(i), prompt_tokens / 16 - shared);
      model.add_request(0.003 * i, prompt_tokens, 20 + 7 * (i % 6), block_hashes);
    }
    std::vector<StepResult> steps = run_all(model);
    CHECK(model.kv_blocks_used() == 0);
    CHECK(model.generation_tokens_total() > 0);
    return std::make_tuple(std::move(steps), model.prefix_cache_queries_total(),
                           model.prefix_cache_hits_total(), model.preemptions_total(),
                           model.kv_blocks_cached());
  };
  const auto [a, a_queries, a_hits, a_preemptions, a_cached] = run();
  const auto [b, b_queries, b_hits, b_preemptions, b_cached] = run();
  CHECK(a_hits > 0);
  CHECK(a_preemptions > 0);
  CHECK(a_queries == b_queries);
  CHECK(a_hits == b_hits);
  CHECK(a_preemptions == b_preemptions);
  CHECK(a_cached == b_cached);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].end_s == b[i].end_s);
    CHECK(a[i].prefill_tokens == b[i].prefill_tokens);
    CHECK(a[i].kv_blocks_used == b[i].kv_blocks_used);
    CHECK(a[i].kv_blocks_used <= 64);
    CHECK(a[i].preempted == b[i].preempted);
    CHECK(a[i].finished == b[i].finished);
  }
}
