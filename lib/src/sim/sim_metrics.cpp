#include "llmpace/sim/sim_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace llmpace::sim {
namespace {

// vLLM's bucket bounds (vllm/v1/metrics/loggers.py), so dashboards built on them line up.
constexpr std::array kTtftBucketsSeconds{0.001, 0.005, 0.01, 0.02,  0.04,  0.06,  0.08, 0.1,
                                         0.25,  0.5,   0.75, 1.0,   2.5,   5.0,   7.5,  10.0,
                                         20.0,  40.0,  80.0, 160.0, 640.0, 2560.0};
constexpr std::array kE2eBucketsSeconds{0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                        5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                        60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

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

}  // namespace

AtomicHistogram::AtomicHistogram(std::span<const double> upper_bounds_seconds)
    : bounds_(upper_bounds_seconds.begin(), upper_bounds_seconds.end()),
      buckets_(bounds_.size() + 1) {}

void AtomicHistogram::observe(Nanoseconds value) {
  const double seconds = to_seconds(value);
  // Prometheus buckets are "less than or equal": the first bound >= value.
  const auto bucket = static_cast<std::size_t>(
      std::distance(bounds_.begin(), std::lower_bound(bounds_.begin(), bounds_.end(), seconds)));
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(value.count(), std::memory_order_relaxed);
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
                 prom_number(to_seconds(Nanoseconds{sum_ns_.load(std::memory_order_relaxed)})));
}

SimMetrics::SimMetrics() : ttft_(kTtftBucketsSeconds), e2e_(kE2eBucketsSeconds) {}

void SimMetrics::on_request_succeeded(std::int64_t prompt_tokens, std::int64_t generation_tokens,
                                      FinishReason reason, Nanoseconds ttft, Nanoseconds e2e) {
  prompt_tokens_.fetch_add(prompt_tokens, std::memory_order_relaxed);
  generation_tokens_.fetch_add(generation_tokens, std::memory_order_relaxed);
  success_by_reason_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  ttft_.observe(ttft);
  e2e_.observe(e2e);
}

std::string SimMetrics::render_prometheus(std::string_view model_name) const {
  const std::string labels =
      fmt::format("engine=\"0\",model_name=\"{}\"", escape_label(model_name));
  std::string out;
  out.reserve(8192);
  auto it = std::back_inserter(out);
  const auto sample = [&](std::string_view name, std::string_view extra, double value) {
    fmt::format_to(it, "{}{{{}{}}} {}\n", name, labels, extra, prom_number(value));
  };

  append_header(out, "vllm:num_requests_running", "gauge",
                "Number of requests in model execution batches.");
  sample("vllm:num_requests_running", "", static_cast<double>(running()));
  append_header(out, "vllm:num_requests_waiting", "gauge",
                "Number of requests waiting to be processed.");
  sample("vllm:num_requests_waiting", "", 0.0);

  append_header(out, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
  sample("vllm:prompt_tokens_total", "",
         static_cast<double>(prompt_tokens_.load(std::memory_order_relaxed)));
  append_header(out, "vllm:generation_tokens_total", "counter",
                "Number of generation tokens processed.");
  sample("vllm:generation_tokens_total", "",
         static_cast<double>(generation_tokens_.load(std::memory_order_relaxed)));

  append_header(out, "vllm:request_success_total", "counter",
                "Count of successfully processed requests.");
  sample("vllm:request_success_total", ",finished_reason=\"stop\"",
         static_cast<double>(success_by_reason_[static_cast<std::size_t>(FinishReason::stop)].load(
             std::memory_order_relaxed)));
  sample(
      "vllm:request_success_total", ",finished_reason=\"length\"",
      static_cast<double>(success_by_reason_[static_cast<std::size_t>(FinishReason::length)].load(
          std::memory_order_relaxed)));

  append_header(out, "vllm:time_to_first_token_seconds", "histogram",
                "Histogram of time to first token in seconds.");
  ttft_.render(out, "vllm:time_to_first_token_seconds", labels);
  append_header(out, "vllm:e2e_request_latency_seconds", "histogram",
                "Histogram of e2e request latency in seconds.");
  e2e_.render(out, "vllm:e2e_request_latency_seconds", labels);
  return out;
}

}  // namespace llmpace::sim
