// SimMetrics in llama.cpp's names: what `llama-server --metrics` serves on GET /metrics.
//
// Source: llama.cpp examples/server/server.cpp, handle_metrics, as of late 2024 (after the
// n_decode_total / n_busy_slots_per_decode counters of PR #9283, before PR #13660 of May 2025
// removed kv_cache_usage_ratio and kv_cache_tokens as "too internal"; later servers serve the
// other ten unchanged). The metric names, help texts, TYPEs (n_busy_slots_per_decode is declared
// a counter there, although it is an average) and order are that handler's: every metric is
// "# HELP", "# TYPE" and one unlabelled sample, counters first. Values print as a C++ stream
// prints a double (six significant digits, "%g": 1234567 prints as 1.23457e+06).
//
// What the simulator puts in them:
// - prompt_tokens_total, tokens_predicted_total: the tokens of successful requests (llama.cpp
//   counts the prompt at its first token and the output at the end; here both at the end).
// - prompt_seconds_total: sum of (first token - scheduled), tokens_predicted_seconds_total: sum
//   of (last token - first token), as llama.cpp times a slot's prompt and generation phases.
// - n_decode_total: model steps (llama_decode calls); n_busy_slots_per_decode: mean requests
//   running per step (llama.cpp's busy slots), busy / max(decodes, 1) as later servers guard it.
// - prompt_tokens_seconds, predicted_tokens_seconds: tokens / seconds of the requests finished
//   since the previous llama.cpp scrape; every scrape starts a new interval (0 when none).
// - kv_cache_usage_ratio: KV blocks in use / budget; kv_cache_tokens: tokens those blocks hold.
// - requests_processing: running requests (busy slots); requests_deferred: waiting ones
//   (llama.cpp defers a task when no slot is free). The simple model has no engine: steps and
//   the KV cache stay 0 and every request in flight is processing.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <string_view>

#include "llmpace/sim/sim_metrics.hpp"

namespace llmpace::sim {
namespace {

// std::ostream << double with the default precision: printf's %g with six significant digits.
std::string stream_number(double value) { return fmt::format("{:g}", value); }

void append_metric(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help, double value) {
  fmt::format_to(std::back_inserter(out),
                 "# HELP llamacpp:{} {}\n# TYPE llamacpp:{} {}\nllamacpp:{} {}\n", name, help, name,
                 type, name, stream_number(value));
}

double per_second(double tokens, double milliseconds) {
  return tokens > 0.0 && milliseconds > 0.0 ? 1e3 / milliseconds * tokens : 0.0;
}

}  // namespace

std::string SimMetrics::render_llamacpp() const {
  constexpr auto relaxed = std::memory_order_relaxed;
  const auto value = [](const std::atomic<std::int64_t>& counter) {
    return static_cast<double>(counter.load(std::memory_order_relaxed));
  };
  // llama.cpp keeps its totals in whole milliseconds before dividing by 1e3.
  const auto whole_seconds = [](double milliseconds) { return std::floor(milliseconds) / 1e3; };
  const double steps = value(steps_);
  const double bucket_prompt_tokens =
      static_cast<double>(bucket_prompt_tokens_.exchange(0, relaxed));
  const double bucket_prompt_ms = bucket_prompt_ms_.exchange(0.0, relaxed);
  const double bucket_generation_tokens =
      static_cast<double>(bucket_generation_tokens_.exchange(0, relaxed));
  const double bucket_generation_ms = bucket_generation_ms_.exchange(0.0, relaxed);

  std::string out;
  out.reserve(2048);
  append_metric(out, "prompt_tokens_total", "counter", "Number of prompt tokens processed.",
                value(prompt_tokens_));
  append_metric(out, "prompt_seconds_total", "counter", "Prompt process time",
                whole_seconds(prompt_ms_total_.load(relaxed)));
  append_metric(out, "tokens_predicted_total", "counter", "Number of generation tokens processed.",
                value(generation_tokens_));
  append_metric(out, "tokens_predicted_seconds_total", "counter", "Predict process time",
                whole_seconds(generation_ms_total_.load(relaxed)));
  append_metric(out, "n_decode_total", "counter", "Total number of llama_decode() calls", steps);
  append_metric(out, "n_busy_slots_per_decode", "counter",
                "Average number of busy slots per llama_decode() call",
                value(busy_slots_) / std::max(steps, 1.0));
  append_metric(out, "prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
                per_second(bucket_prompt_tokens, bucket_prompt_ms));
  append_metric(out, "predicted_tokens_seconds", "gauge",
                "Average generation throughput in tokens/s.",
                per_second(bucket_generation_tokens, bucket_generation_ms));
  append_metric(out, "kv_cache_usage_ratio", "gauge", "KV-cache usage. 1 means 100 percent usage.",
                kv_cache_usage());
  append_metric(out, "kv_cache_tokens", "gauge", "KV-cache tokens.", value(kv_tokens_));
  append_metric(out, "requests_processing", "gauge", "Number of request processing.",
                static_cast<double>(running()));
  append_metric(out, "requests_deferred", "gauge", "Number of request deferred.", value(waiting_));
  return out;
}

}  // namespace llmpace::sim
