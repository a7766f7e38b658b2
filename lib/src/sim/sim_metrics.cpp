#include "llmpace/sim/sim_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <utility>

namespace llmpace::sim {
namespace {

// vLLM's bucket bounds (vllm/v1/metrics/loggers.py), so dashboards built on them line up.
constexpr std::array kTtftBucketsSeconds{0.001, 0.005, 0.01, 0.02,  0.04,  0.06,  0.08, 0.1,
                                         0.25,  0.5,   0.75, 1.0,   2.5,   5.0,   7.5,  10.0,
                                         20.0,  40.0,  80.0, 160.0, 640.0, 2560.0};
constexpr std::array kItlBucketsSeconds{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                        0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
constexpr std::array kRequestBucketsSeconds{0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                            5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                            60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

// vLLM's build_1_2_5_buckets(max_model_len): 1, 2, 5, 10, 20, 50, ... up to max_value.
std::vector<double> one_two_five_buckets(std::int64_t max_value) {
  std::vector<double> bounds;
  for (double exponent = 1.0;; exponent *= 10.0) {
    for (const double mantissa : {1.0, 2.0, 5.0}) {
      const double bound = mantissa * exponent;
      if (bound > static_cast<double>(max_value)) return bounds;
      bounds.push_back(bound);
    }
  }
}

// Python's prometheus_client prints floats with repr(): "1.0", "0.005", "2560.0".
std::string prom_number(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e15) {
    return fmt::format("{:.1f}", value);
  }
  return fmt::format("{}", value);
}

void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Label values escape backslash, double quote and newline (text format 0.0.4).
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

double load(const std::atomic<std::int64_t>& value) {
  return static_cast<double>(value.load(std::memory_order_relaxed));
}

// vLLM's CacheConfig.metrics_info(): every field as Python's str() prints it, plus engine, in
// alphabetical order as its multiprocess Prometheus collector sorts them. Only the fields the
// simulator knows are given; a real vLLM adds the rest of its CacheConfig (which varies by
// version) and, with the same values, these.
void append_cache_config_info(std::string& out, const CacheConfigInfo& config) {
  const auto python_bool = [](bool value) { return value ? "True" : "False"; };
  append_header(out, "vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig");
  fmt::format_to(
      std::back_inserter(out),
      "vllm:cache_config_info{{block_size=\"{}\",cache_dtype=\"{}\",enable_prefix_caching=\"{}\","
      "engine=\"0\",gpu_memory_utilization=\"{}\",is_attention_free=\"False\","
      "kv_cache_size_tokens=\"{}\",num_gpu_blocks=\"{}\",num_gpu_blocks_override=\"{}\","
      "prefix_caching_hash_algo=\"sha256\",sliding_window=\"None\"}} 1.0\n",
      config.block_size, escape_label(config.cache_dtype),
      python_bool(config.enable_prefix_caching), prom_number(config.gpu_memory_utilization),
      config.num_gpu_blocks * config.block_size, config.num_gpu_blocks,
      config.num_gpu_blocks_override > 0 ? std::to_string(config.num_gpu_blocks_override)
                                         : std::string{"None"});
}

}  // namespace

AtomicHistogram::AtomicHistogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()), buckets_(bounds_.size() + 1) {}

void AtomicHistogram::observe(double value) {
  // Prometheus buckets are "less than or equal": the first bound >= value.
  const auto bucket = static_cast<std::size_t>(
      std::distance(bounds_.begin(), std::lower_bound(bounds_.begin(), bounds_.end(), value)));
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::uint64_t AtomicHistogram::count() const {
  std::uint64_t total = 0;
  for (const auto& bucket : buckets_) total += bucket.load(std::memory_order_relaxed);
  return total;
}

void AtomicHistogram::render(std::string& out, std::string_view name,
                             std::string_view labels) const {
  std::uint64_t cumulative = 0;
  auto it = std::back_inserter(out);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    fmt::format_to(it, "{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, prom_number(bounds_[i]),
                   prom_number(static_cast<double>(cumulative)));
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  fmt::format_to(it, "{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels,
                 prom_number(static_cast<double>(cumulative)));
  fmt::format_to(it, "{}_count{{{}}} {}\n", name, labels,
                 prom_number(static_cast<double>(cumulative)));
  fmt::format_to(it, "{}_sum{{{}}} {}\n", name, labels,
                 prom_number(sum_.load(std::memory_order_relaxed)));
}

std::string_view to_string(MetricsFlavor flavor) {
  switch (flavor) {
    case MetricsFlavor::vllm:
      return "vllm";
    case MetricsFlavor::vllm_legacy:
      return "vllm-legacy";
    case MetricsFlavor::llamacpp:
      return "llamacpp";
  }
  return "vllm";
}

std::optional<MetricsFlavor> parse_metrics_flavor(std::string_view name) {
  for (const MetricsFlavor flavor :
       {MetricsFlavor::vllm, MetricsFlavor::vllm_legacy, MetricsFlavor::llamacpp}) {
    if (to_string(flavor) == name) return flavor;
  }
  return std::nullopt;
}

CacheConfigInfo cache_config_info(const GpuPreset& preset) {
  CacheConfigInfo info;
  info.block_size = preset.block_size_tokens;
  info.num_gpu_blocks = kv_budget_blocks(preset);
  info.num_gpu_blocks_override = preset.num_gpu_blocks_override;
  info.gpu_memory_utilization = preset.gpu.gpu_memory_utilization;
  info.cache_dtype = preset.model.kv_bytes_per_element == 1 ? "fp8" : "auto";
  info.enable_prefix_caching = true;
  return info;
}

SimMetrics::SimMetrics(std::int64_t max_model_len, std::optional<CacheConfigInfo> cache_config)
    : cache_config_(std::move(cache_config)),
      ttft_(kTtftBucketsSeconds),
      itl_(kItlBucketsSeconds),
      e2e_(kRequestBucketsSeconds),
      queue_(kRequestBucketsSeconds),
      prefill_(kRequestBucketsSeconds),
      decode_(kRequestBucketsSeconds),
      inference_(kRequestBucketsSeconds),
      tpot_(kItlBucketsSeconds),
      prompt_tokens_hist_(one_two_five_buckets(max_model_len)),
      generation_tokens_hist_(one_two_five_buckets(max_model_len)) {}

void SimMetrics::on_request_succeeded(const ServedRequest& request) {
  prompt_tokens_.fetch_add(request.prompt_tokens, std::memory_order_relaxed);
  generation_tokens_.fetch_add(request.generation_tokens, std::memory_order_relaxed);
  success_by_reason_[static_cast<std::size_t>(request.finish_reason)].fetch_add(
      1, std::memory_order_relaxed);
  const auto& tokens = request.token_times;
  const TimePoint first = tokens.empty() ? request.done : tokens.front();
  const TimePoint last = tokens.empty() ? request.done : tokens.back();
  ttft_.observe(first - request.arrived);
  for (std::size_t i = 1; i < tokens.size(); ++i) itl_.observe(tokens[i] - tokens[i - 1]);
  e2e_.observe(request.done - request.arrived);
  queue_.observe(request.scheduled - request.arrived);
  prefill_.observe(first - request.scheduled);
  decode_.observe(last - first);
  inference_.observe(last - request.scheduled);
  // vLLM observes the mean gap only for requests with more than one token.
  if (tokens.size() > 1) {
    tpot_.observe((last - first) / static_cast<std::int64_t>(tokens.size() - 1));
  }
  prompt_tokens_hist_.observe(static_cast<double>(request.prompt_tokens));
  generation_tokens_hist_.observe(static_cast<double>(request.generation_tokens));

  using Milliseconds = std::chrono::duration<double, std::milli>;
  const double prompt_ms = Milliseconds(first - request.scheduled).count();
  const double generation_ms = Milliseconds(last - first).count();
  prompt_ms_total_.fetch_add(prompt_ms, std::memory_order_relaxed);
  generation_ms_total_.fetch_add(generation_ms, std::memory_order_relaxed);
  bucket_prompt_tokens_.fetch_add(request.prompt_tokens, std::memory_order_relaxed);
  bucket_prompt_ms_.fetch_add(prompt_ms, std::memory_order_relaxed);
  bucket_generation_tokens_.fetch_add(request.generation_tokens, std::memory_order_relaxed);
  bucket_generation_ms_.fetch_add(generation_ms, std::memory_order_relaxed);
}

void SimMetrics::set_inference_gauges(const InferenceGauges& gauges) {
  inference_running_.store(gauges.running, std::memory_order_relaxed);
  waiting_.store(gauges.waiting, std::memory_order_relaxed);
  kv_usage_.store(gauges.kv_cache_usage, std::memory_order_relaxed);
  preemptions_.store(gauges.preemptions_total, std::memory_order_relaxed);
  prefix_queries_.store(gauges.prefix_cache_queries_total, std::memory_order_relaxed);
  prefix_hits_.store(gauges.prefix_cache_hits_total, std::memory_order_relaxed);
  inference_prompt_tokens_.store(gauges.prompt_tokens_total, std::memory_order_relaxed);
  inference_generation_tokens_.store(gauges.generation_tokens_total, std::memory_order_relaxed);
  kv_tokens_.store(gauges.kv_cache_tokens, std::memory_order_relaxed);
  steps_.store(gauges.steps_total, std::memory_order_relaxed);
  busy_slots_.store(gauges.busy_slots_total, std::memory_order_relaxed);
  inference_attached_.store(true, std::memory_order_relaxed);
}

std::int64_t SimMetrics::prompt_tokens_counter() const {
  return inference_attached_.load(std::memory_order_relaxed)
             ? inference_prompt_tokens_.load(std::memory_order_relaxed)
             : prompt_tokens_.load(std::memory_order_relaxed);
}

std::int64_t SimMetrics::generation_tokens_counter() const {
  return inference_attached_.load(std::memory_order_relaxed)
             ? inference_generation_tokens_.load(std::memory_order_relaxed)
             : generation_tokens_.load(std::memory_order_relaxed);
}

std::int64_t SimMetrics::running() const {
  return inference_attached_.load(std::memory_order_relaxed)
             ? inference_running_.load(std::memory_order_relaxed)
             : in_flight_.load(std::memory_order_relaxed);
}

std::string SimMetrics::render_prometheus(std::string_view model_name, MetricsFlavor flavor) const {
  if (flavor == MetricsFlavor::llamacpp) return render_llamacpp();
  return render_vllm(model_name, flavor == MetricsFlavor::vllm_legacy);
}

std::string SimMetrics::render_vllm(std::string_view model_name, bool legacy) const {
  const std::string labels =
      fmt::format("engine=\"0\",model_name=\"{}\"", escape_label(model_name));
  std::string out;
  out.reserve(32768);
  auto it = std::back_inserter(out);
  const auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                          double value) {
    append_header(out, name, type, help);
    fmt::format_to(it, "{}{{{}}} {}\n", name, labels, prom_number(value));
  };
  const auto histogram = [&](std::string_view name, std::string_view help,
                             const AtomicHistogram& values) {
    append_header(out, name, "histogram", help);
    values.render(out, name, labels);
  };

  metric("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.",
         static_cast<double>(running()));
  metric("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.",
         load(waiting_));
  if (!legacy) {
    // Every simulated waiting request waits for capacity (KV blocks, a batch slot, the token
    // budget); nothing is deferred by a LoRA budget or a KV transfer.
    append_header(out, "vllm:num_requests_waiting_by_reason", "gauge",
                  "Number of waiting requests by reason. Reason labels: 'capacity' = waiting for "
                  "scheduling capacity; 'deferred' = deferred by transient constraints (LoRA "
                  "budget, KV transfer, blocked status). Sum of all reasons equals "
                  "vllm:num_requests_waiting.");
    for (const auto& [reason, value] :
         {std::pair{"capacity", load(waiting_)}, std::pair{"deferred", 0.0}}) {
      fmt::format_to(it, "vllm:num_requests_waiting_by_reason{{{},reason=\"{}\"}} {}\n", labels,
                     reason, prom_number(value));
    }
  }
  metric(legacy ? "vllm:gpu_cache_usage_perc" : "vllm:kv_cache_usage_perc", "gauge",
         "KV-cache usage. 1 means 100 percent usage.", kv_cache_usage());
  if (cache_config_) append_cache_config_info(out, *cache_config_);
  metric("vllm:num_preemptions_total", "counter",
         "Cumulative number of preemption from the engine.", load(preemptions_));
  metric("vllm:prefix_cache_queries_total", "counter",
         "Prefix cache queries, in terms of number of queried tokens.", load(prefix_queries_));
  metric("vllm:prefix_cache_hits_total", "counter",
         "Prefix cache hits, in terms of number of cached tokens.", load(prefix_hits_));
  metric("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.",
         static_cast<double>(prompt_tokens_counter()));
  metric("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.",
         static_cast<double>(generation_tokens_counter()));

  append_header(out, "vllm:request_success_total", "counter",
                "Count of successfully processed requests.");
  for (const auto& [reason, label] :
       {std::pair{FinishReason::stop, "stop"}, std::pair{FinishReason::length, "length"}}) {
    fmt::format_to(it, "vllm:request_success_total{{{},finished_reason=\"{}\"}} {}\n", labels,
                   label, prom_number(load(success_by_reason_[static_cast<std::size_t>(reason)])));
  }

  histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
            ttft_);
  histogram(legacy ? "vllm:time_per_output_token_seconds" : "vllm:inter_token_latency_seconds",
            "Histogram of inter-token latency in seconds.", itl_);
  histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
            e2e_);
  histogram("vllm:request_queue_time_seconds",
            "Histogram of time spent in WAITING phase for request.", queue_);
  histogram("vllm:request_prefill_time_seconds",
            "Histogram of time spent in PREFILL phase for request.", prefill_);
  histogram("vllm:request_decode_time_seconds",
            "Histogram of time spent in DECODE phase for request.", decode_);
  histogram("vllm:request_inference_time_seconds",
            "Histogram of time spent in RUNNING phase for request.", inference_);
  histogram("vllm:request_time_per_output_token_seconds",
            "Histogram of time_per_output_token_seconds per request.", tpot_);
  histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.",
            prompt_tokens_hist_);
  histogram("vllm:request_generation_tokens", "Number of generation tokens processed.",
            generation_tokens_hist_);
  return out;
}

}  // namespace llmpace::sim
