// SimMetrics: the server-side counters of the simulator, exposed on GET /metrics in the
// Prometheus text format 0.0.4 under vLLM's (V1 engine) metric names, so the scraper and
// dashboards that watch a real vLLM work unchanged against the simulator.
//
// Modelled families (all with labels engine="0",model_name=...):
// - gauges vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc
//   (a fraction 0..1, as vLLM reports it). Without an inference model (the simple latency model)
//   running counts requests in flight, nothing waits and the cache stays at 0.
// - counters vllm:prompt_tokens_total, vllm:generation_tokens_total,
//   vllm:request_success_total{finished_reason}, vllm:num_preemptions_total,
//   vllm:prefix_cache_queries_total and vllm:prefix_cache_hits_total (in tokens).
// - histograms (vLLM's buckets) vllm:time_to_first_token_seconds,
//   vllm:inter_token_latency_seconds (one observation per gap between two tokens),
//   vllm:e2e_request_latency_seconds, vllm:request_queue_time_seconds,
//   vllm:request_prefill_time_seconds, vllm:request_decode_time_seconds,
//   vllm:request_inference_time_seconds, vllm:request_time_per_output_token_seconds, and
//   vllm:request_prompt_tokens / vllm:request_generation_tokens. Every per-request histogram
//   counts each successful request exactly once.
// MetricNames::legacy renames vllm:kv_cache_usage_perc to vllm:gpu_cache_usage_perc and
// vllm:inter_token_latency_seconds to vllm:time_per_output_token_seconds, as vLLM before 0.10
// exposed them.
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

/// Which names the rarer-renamed vLLM families go by.
enum class MetricNames { current, legacy };

/// One successful generation request as the server saw it, all on the steady clock.
struct ServedRequest {
  std::int64_t prompt_tokens = 0;
  std::int64_t generation_tokens = 0;
  FinishReason finish_reason = FinishReason::length;
  TimePoint arrived;    ///< the whole request was read
  TimePoint scheduled;  ///< first admitted to a batch (end of queue time)
  /// When each output token was handed to the socket; generation_tokens entries. A view: the
  /// caller keeps the times (the trace record has them), so nothing is copied per request.
  std::span<const TimePoint> token_times;
  TimePoint done;  ///< the last byte of the response was written
};

/// A Prometheus histogram with fixed upper bounds and lock-free observations.
class AtomicHistogram {
 public:
  explicit AtomicHistogram(std::span<const double> upper_bounds);

  void observe(double value);
  void observe(Nanoseconds value) { observe(to_seconds(value)); }
  [[nodiscard]] std::uint64_t count() const;
  /// Appends the `_bucket`, `_sum` and `_count` samples (cumulative buckets, then +Inf).
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // one per bound, plus +Inf; not cumulative
  std::atomic<double> sum_{0.0};
};

/// What the inference model reports after each step (absolute values, not increments).
struct InferenceGauges {
  std::int64_t running = 0;
  std::int64_t waiting = 0;
  double kv_cache_usage = 0.0;  ///< 0..1
  std::int64_t preemptions_total = 0;
  std::int64_t prefix_cache_queries_total = 0;  ///< tokens
  std::int64_t prefix_cache_hits_total = 0;     ///< tokens
};

class SimMetrics {
 public:
  /// `max_model_len` sets the buckets of the token-count histograms (vLLM's 1-2-5 series).
  explicit SimMetrics(std::int64_t max_model_len = 131072);

  void on_request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  /// A generation request whose last byte was written.
  void on_request_succeeded(const ServedRequest& request);
  /// Called once per started request, whether it succeeded or not.
  void on_request_ended() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  /// From the inference model after each step; from then on the gauges come from it.
  void set_inference_gauges(const InferenceGauges& gauges);

  /// Requests in a batch (inference model) or in flight (simple model).
  [[nodiscard]] std::int64_t running() const;
  [[nodiscard]] std::int64_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  [[nodiscard]] double kv_cache_usage() const { return kv_usage_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t requests_succeeded() const { return e2e_.count(); }

  /// The whole /metrics body; `model_name` becomes the model_name label of every sample.
  [[nodiscard]] std::string render_prometheus(std::string_view model_name,
                                              MetricNames names = MetricNames::current) const;

 private:
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<bool> inference_attached_{false};
  std::atomic<std::int64_t> inference_running_{0};
  std::atomic<std::int64_t> waiting_{0};
  std::atomic<double> kv_usage_{0.0};
  std::atomic<std::int64_t> preemptions_{0};
  std::atomic<std::int64_t> prefix_queries_{0};
  std::atomic<std::int64_t> prefix_hits_{0};
  std::atomic<std::int64_t> prompt_tokens_{0};
  std::atomic<std::int64_t> generation_tokens_{0};
  std::array<std::atomic<std::int64_t>, 2> success_by_reason_{};  // indexed by FinishReason
  AtomicHistogram ttft_;
  AtomicHistogram itl_;
  AtomicHistogram e2e_;
  AtomicHistogram queue_;
  AtomicHistogram prefill_;
  AtomicHistogram decode_;
  AtomicHistogram inference_;
  AtomicHistogram tpot_;
  AtomicHistogram prompt_tokens_hist_;
  AtomicHistogram generation_tokens_hist_;
};

}  // namespace llmpace::sim
