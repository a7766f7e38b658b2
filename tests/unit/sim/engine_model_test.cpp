// The continuous-batching engine model: step times from the roofline, FCFS admission under the KV
// budget, chunked prefill, recompute preemption and determinism, on the small `fast` preset.
#include "llmpace/sim/engine_model.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/roofline.hpp"

using namespace llmpace::sim;

namespace {

const EnginePreset& fast() {
  const EnginePreset* found = find_preset("fast");
  REQUIRE(found != nullptr);
  return *found;
}

// Runs the model until it has no work: `now = end_s` after a step, the next arrival after an
// empty one. Fails the test instead of looping forever.
std::vector<StepResult> run_all(EngineModel& model, double now_s = 0.0) {
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

}  // namespace

TEST_CASE("one request is a prefill step then decode steps priced by the roofline",
          "[engine_model]") {
  EngineModel model(fast());
  const RequestId id = model.add_request(0.0, 100, 5);

  StepResult first = model.step(0.0);
  CHECK(first.start_s == 0.0);
  CHECK(first.prefill_tokens == 100);
  CHECK(first.decode_sequences == 0);
  CHECK(first.running == 1);
  CHECK(first.waiting == 0);
  CHECK(first.kv_blocks_used == 7);  // ceil(100 / 16)
  CHECK(first.end_s - first.start_s == Approx(prefill_step_s(fast(), 100, 0)));
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

TEST_CASE("a long prompt is prefilled in chunks of the token budget", "[engine_model]") {
  EngineModel model(fast());  // max_num_batched_tokens 1024
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

TEST_CASE("requests that can never fit the KV budget are rejected up front", "[engine_model]") {
  EngineModel model(fast());  // 256 blocks = 4096 tokens
  CHECK_THROWS_AS(model.add_request(0.0, 5000, 1), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 4000, 200), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 0, 10), std::invalid_argument);
  CHECK_THROWS_AS(model.add_request(0.0, 10, 0), std::invalid_argument);
  CHECK(model.add_request(0.0, 4096, 1) == 0);
  CHECK(model.add_request(0.0, 4000, 97) == 1);  // peak 4096 tokens
  const std::vector<StepResult> steps = run_all(model);
  CHECK(model.generation_tokens_total() == 98);
}

TEST_CASE("tokens come at increasing times and every request finishes", "[engine_model]") {
  EngineModel model(fast());
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

TEST_CASE("many long requests fill the KV cache and leave requests waiting", "[engine_model]") {
  EngineModel model(fast());
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
          "[engine_model]") {
  // 16 short prompts fit at once (1 block each); at 400 output tokens each would need 26 blocks,
  // 416 in all against a budget of 256, so the cache runs out during decode.
  EngineModel model(fast());
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
          "[engine_model]") {
  SECTION("decode step time at short context is memory-bound") {
    EngineModel model(fast());
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
    EngineModel model(fast());
    std::vector<RequestId> ids;
    for (int i = 0; i < 32; ++i) ids.push_back(model.add_request(0.0, 300, 8));
    const auto times = token_times(run_all(model));
    std::vector<double> ttft_s;
    for (const RequestId id : ids) ttft_s.push_back(times.at(id).front() - 0.0);
    for (std::size_t i = 1; i < ttft_s.size(); ++i) CHECK(ttft_s[i] >= ttft_s[i - 1]);
    CHECK(ttft_s.back() > 3.0 * ttft_s.front());
  }
}

TEST_CASE("the same inputs give identical steps", "[engine_model]") {
  auto run = [] {
    EngineModel model(fast());
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

TEST_CASE("an aborted request frees its KV blocks and produces no more tokens", "[engine_model]") {
  EngineModel model{fast()};
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
