// SimMetrics: the server-side counters of the simulator, exposed on GET /metrics in the
// Prometheus text format 0.0.4 under vLLM's metric names, so the scraper and dashboards that
// watch a real vLLM work unchanged against the simulator.
//
// Modelled: vllm:num_requests_running, vllm:num_requests_waiting (always 0: nothing queues),
// vllm:prompt_tokens_total, vllm:generation_tokens_total,
// vllm:request_success_total{finished_reason}, and the histograms
// vllm:time_to_first_token_seconds and vllm:e2e_request_latency_seconds (vLLM's buckets).
//
// Thread affinity: every member function is safe from any thread (relaxed atomics; a scrape
// may see one request's counters half updated, as with any Prometheus client).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/time.hpp"

namespace llmpace::sim {

enum class FinishReason { length, stop };

/// A Prometheus histogram with fixed upper bounds (seconds) and lock-free observations.
class AtomicHistogram {
 public:
  explicit AtomicHistogram(std::span<const double> upper_bounds_seconds);

  void observe(Nanoseconds value);
  /// Appends the `_bucket`, `_sum` and `_count` samples (cumulative buckets, then +Inf).
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, plus +Inf; not cumulative
  std::atomic<std::int64_t> sum_ns_{0};
};

class SimMetrics {
 public:
  SimMetrics();

  void on_request_started() { running_.fetch_add(1, std::memory_order_relaxed); }
  /// A generation request whose last byte was written.
  void on_request_succeeded(std::int64_t prompt_tokens, std::int64_t generation_tokens,
                            FinishReason reason, Nanoseconds ttft, Nanoseconds e2e);
  /// Called once per started request, whether it succeeded or not.
  void on_request_ended() { running_.fetch_sub(1, std::memory_order_relaxed); }

  [[nodiscard]] std::int64_t running() const { return running_.load(std::memory_order_relaxed); }

  /// The whole /metrics body; `model_name` becomes the model_name label of every sample.
  [[nodiscard]] std::string render_prometheus(std::string_view model_name) const;

 private:
  std::atomic<std::int64_t> running_{0};
  std::atomic<std::int64_t> prompt_tokens_{0};
  std::atomic<std::int64_t> generation_tokens_{0};
  std::array<std::atomic<std::int64_t>, 2> success_by_reason_{};  // indexed by FinishReason
  AtomicHistogram ttft_;
  AtomicHistogram e2e_;
};

}  // namespace llmpace::sim
