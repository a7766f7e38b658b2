// What the engine tests share: a fast simulator on 127.0.0.1, a target for it, a fixed prompt
// source, and a Runner that installs no signal handlers.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "llmpace/engine/runner.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/profile/profile_spec.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_server.hpp"
#include "llmpace/workload/prompt.hpp"
#include "support/timing.hpp"

namespace llmpace::test {

using namespace std::chrono_literals;

inline constexpr const char* kSimModel = "sim-model";

/// A simulator that answers at once: 1 ms to the first token, 1 ms between tokens, no jitter.
inline sim::SimOptions fast_sim_options() {
  sim::SimOptions options;
  options.model = kSimModel;
  options.ttft = 1ms;
  options.itl = 1ms;
  options.jitter = 0.0;
  return options;
}

/// A started simulator on an ephemeral port; stopped when destroyed.
inline std::unique_ptr<sim::SimServer> start_sim(sim::SimOptions options = fast_sim_options()) {
  auto server = std::make_unique<sim::SimServer>(std::move(options));
  server->start();
  return server;
}

/// Chat completions against `base_url` ("http://127.0.0.1:PORT"), short deadlines.
inline engine::Target target_for(const std::string& base_url) {
  engine::Target target;
  target.client.base_url = http::parse_url(base_url);
  target.client.timeouts.connect = 5s;
  target.client.timeouts.idle = 10s;
  target.client.timeouts.request_total = 20s;
  target.api = openai::ApiKind::chat_completions;
  target.model = kSimModel;
  return target;
}

/// Prompt n is "prompt number n" asking for `output_tokens` tokens.
class FixedPrompts final : public workload::PromptSource {
 public:
  explicit FixedPrompts(std::int64_t output_tokens) : output_tokens_(output_tokens) {}

  [[nodiscard]] workload::Prompt prompt_for(std::uint64_t index) const override {
    workload::Prompt prompt;
    prompt.text = fmt::format("prompt number {}", index);
    prompt.output_tokens = output_tokens_;
    return prompt;
  }
  [[nodiscard]] nlohmann::json describe() const override { return {{"kind", "fixed"}}; }

 private:
  std::int64_t output_tokens_;
};

inline engine::RunnerOptions test_runner_options(int threads = 1) {
  engine::RunnerOptions options;
  options.keep_records = true;     // the tests look at every request
  options.handle_signals = false;  // a test must not take over the process's SIGINT
  options.threads = threads;
  return options;
}

/// One benchmark of `spec` against `target`, with prompts asking for `output_tokens` tokens.
inline metrics::BenchmarkResult run_benchmark(const engine::Target& target,
                                              const profile::ProfileSpec& spec,
                                              engine::RunnerOptions options = test_runner_options(),
                                              std::int64_t output_tokens = 4) {
  engine::Runner runner(target, std::make_shared<FixedPrompts>(output_tokens), std::move(options));
  return runner.run(spec);
}

/// The most requests in flight at once, a request counting from its dispatch to its end.
inline int max_in_flight(const std::vector<metrics::RequestRecord>& records) {
  std::vector<std::pair<TimePoint, int>> steps;  // +1 at a dispatch, -1 at an end
  for (const metrics::RequestRecord& record : records) {
    steps.emplace_back(record.dispatched, +1);
    steps.emplace_back(record.done, -1);
  }
  std::sort(steps.begin(), steps.end());  // at a tie an end (-1) sorts before a dispatch
  int in_flight = 0;
  int most = 0;
  for (const auto& [time, step] : steps) {
    in_flight += step;
    most = std::max(most, in_flight);
  }
  return most;
}

/// True when record i has index i for every i.
inline bool indices_are_sequential(const std::vector<metrics::RequestRecord>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].index != i) return false;
  }
  return true;
}

}  // namespace llmpace::test
