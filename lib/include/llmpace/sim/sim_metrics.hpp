// SimMetrics: the server-side counters of the simulator, exposed on GET /metrics in the
// Prometheus text format 0.0.4 under the names of the server it imitates (MetricsFlavor), so the
// scraper and dashboards that watch a real vLLM or llama.cpp server work unchanged against it.
//
// MetricsFlavor::vllm, vLLM's (V1 engine) names, all with labels engine="0",model_name=...:
// - gauges vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc
//   (a fraction 0..1, as vLLM reports it), and vllm:num_requests_waiting_by_reason{reason} with
//   reason "capacity" and "deferred", which sum to vllm:num_requests_waiting (vLLM: capacity =
//   waiting for scheduling capacity, deferred = skipped for a transient constraint such as a
//   LoRA budget or a KV transfer; every simulated waiting request waits for capacity: KV blocks,
//   a batch slot or the step's token budget, so deferred is always 0). Without an inference model
//   (the simple latency model) running counts requests in flight, nothing waits and the cache
//   stays at 0.
// - vllm:cache_config_info, a gauge of value 1 whose labels carry the KV-cache configuration
//   (cache_config_info() below; no model_name label, as in vLLM). Only with a cache config, i.e.
//   with a GPU preset.
// - counters vllm:prompt_tokens_total, vllm:generation_tokens_total,
//   vllm:request_success_total{finished_reason}, vllm:num_preemptions_total,
//   vllm:prefix_cache_queries_total and vllm:prefix_cache_hits_total (in tokens). With an
//   inference model the token counters count per step, as vLLM's do; without one, per success.
// - histograms (vLLM's buckets) vllm:time_to_first_token_seconds,
//   vllm:inter_token_latency_seconds (one observation per gap between two tokens),
//   vllm:e2e_request_latency_seconds, vllm:request_queue_time_seconds,
//   vllm:request_prefill_time_seconds, vllm:request_decode_time_seconds,
//   vllm:request_inference_time_seconds, vllm:request_time_per_output_token_seconds, and
//   vllm:request_prompt_tokens / vllm:request_generation_tokens. Every per-request histogram
//   counts each successful request exactly once.
// MetricsFlavor::vllm_legacy is vLLM before 0.10: vllm:kv_cache_usage_perc is called
// vllm:gpu_cache_usage_perc, vllm:inter_token_latency_seconds is
// vllm:time_per_output_token_seconds, and vllm:num_requests_waiting_by_reason does not exist.
//
// MetricsFlavor::llamacpp is llama.cpp's llama-server --metrics (render_llamacpp_metrics in
// llamacpp_metrics.cpp; names, help texts and TYPEs from its examples/server/server.cpp of late
// 2024, the last one with the KV-cache gauges): no labels, no histograms.
//
// Thread affinity: every member function is safe from any thread (relaxed atomics; a scrape
// may see one request's counters half updated, as with any Prometheus client). The llama.cpp
// flavour's two throughput gauges are, as in llama.cpp, averages since the previous scrape:
// rendering that flavour resets them, so two scrapers see different values.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/sim/gpu_preset.hpp"

namespace llmpace::sim {

enum class FinishReason { length, stop };

/// Whose /metrics the simulator serves (see the header comment).
enum class MetricsFlavor { vllm, vllm_legacy, llamacpp };

/// "vllm", "vllm-legacy", "llamacpp".
std::string_view to_string(MetricsFlavor flavor);
/// The flavour of one of the names to_string gives, or nullopt.
std::optional<MetricsFlavor> parse_metrics_flavor(std::string_view name);

/// The KV-cache configuration vllm:cache_config_info reports.
struct CacheConfigInfo {
  std::int64_t block_size = 16;              ///< tokens per KV block
  std::int64_t num_gpu_blocks = 0;           ///< the KV budget in blocks
  std::int64_t num_gpu_blocks_override = 0;  ///< 0: not set ("None")
  double gpu_memory_utilization = 0.9;
  std::string cache_dtype = "auto";  ///< "auto" (the model's 16-bit dtype) or "fp8"
  bool enable_prefix_caching = true;
};

/// The cache configuration vLLM would report for `preset`: its block size, KV budget in blocks
/// (kv_budget_blocks), gpu_memory_utilization and override; cache_dtype "auto" for a 16-bit KV
/// cache and "fp8" for one byte per element; prefix caching on (the InferenceModel's default).
CacheConfigInfo cache_config_info(const GpuPreset& preset);

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
  std::int64_t kv_cache_tokens = 0;             ///< tokens in the KV blocks in use
  std::int64_t steps_total = 0;                 ///< model steps run (llama.cpp: decode calls)
  std::int64_t busy_slots_total = 0;            ///< sum over those steps of requests running
  /// Counted per step, as vLLM counts them: prompt tokens of each first prefill, and every output
  /// token when it is sampled (also of requests that never finish).
  std::int64_t prompt_tokens_total = 0;
  std::int64_t generation_tokens_total = 0;
};

class SimMetrics {
 public:
  /// `max_model_len` sets the buckets of the token-count histograms (vLLM's 1-2-5 series);
  /// `cache_config`, when given, is reported as vllm:cache_config_info.
  explicit SimMetrics(std::int64_t max_model_len = 131072,
                      std::optional<CacheConfigInfo> cache_config = std::nullopt);

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

  /// The whole /metrics body in `flavor`'s names; `model_name` becomes the model_name label of
  /// every vLLM sample (llama.cpp has no labels). Rendering the llama.cpp flavour starts a new
  /// interval of its throughput gauges (see the header comment).
  [[nodiscard]] std::string render_prometheus(std::string_view model_name,
                                              MetricsFlavor flavor = MetricsFlavor::vllm) const;

 private:
  /// vllm:prompt_tokens_total and vllm:generation_tokens_total: per step from the inference model
  /// once attached (as vLLM counts them), else from successful requests. llama.cpp counts at the
  /// end of a request, so its flavour keeps prompt_tokens_ and generation_tokens_.
  [[nodiscard]] std::int64_t prompt_tokens_counter() const;
  [[nodiscard]] std::int64_t generation_tokens_counter() const;

  [[nodiscard]] std::string render_vllm(std::string_view model_name, bool legacy) const;
  [[nodiscard]] std::string render_llamacpp() const;  // llamacpp_metrics.cpp

  const std::optional<CacheConfigInfo> cache_config_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<bool> inference_attached_{false};
  std::atomic<std::int64_t> inference_running_{0};
  std::atomic<std::int64_t> waiting_{0};
  std::atomic<double> kv_usage_{0.0};
  std::atomic<std::int64_t> preemptions_{0};
  std::atomic<std::int64_t> prefix_queries_{0};
  std::atomic<std::int64_t> prefix_hits_{0};
  std::atomic<std::int64_t> kv_tokens_{0};
  std::atomic<std::int64_t> steps_{0};
  std::atomic<std::int64_t> busy_slots_{0};
  /// Prompt and output tokens: of successful requests (the simple model), or per step from the
  /// inference model once attached (see the two accessors in the .cpp).
  std::atomic<std::int64_t> prompt_tokens_{0};
  std::atomic<std::int64_t> generation_tokens_{0};
  std::atomic<std::int64_t> inference_prompt_tokens_{0};
  std::atomic<std::int64_t> inference_generation_tokens_{0};
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
  // llama.cpp's timing counters: prompt time is first token - scheduled, generation time is
  // last token - first token, summed over successful requests, in milliseconds.
  std::atomic<double> prompt_ms_total_{0.0};
  std::atomic<double> generation_ms_total_{0.0};
  // The same since the last llama.cpp-flavoured scrape (llama.cpp's "bucket").
  mutable std::atomic<std::int64_t> bucket_prompt_tokens_{0};
  mutable std::atomic<double> bucket_prompt_ms_{0.0};
  mutable std::atomic<std::int64_t> bucket_generation_tokens_{0};
  mutable std::atomic<double> bucket_generation_ms_{0.0};
};

}  // namespace llmpace::sim
