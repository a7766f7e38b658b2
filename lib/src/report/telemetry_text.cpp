#include "llmpace/report/telemetry_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "llmpace/report/number_format.hpp"

namespace llmpace::report {
namespace {

constexpr double kMiBPerGiB = 1024.0;

std::string percent(double fraction) { return format_fixed(fraction * 100.0, 1) + " %"; }

void append(std::string& line, const std::string& part) {
  if (part.empty()) return;
  if (!line.empty()) line += "; ";
  line += part;
}

}  // namespace

GpuTotals gpu_totals(const BenchmarkReport& benchmark) {
  GpuTotals totals;
  if (!benchmark.telemetry) return totals;
  std::size_t util_gpus = 0;
  for (const telemetry::GpuTelemetry& gpu : benchmark.telemetry->gpus) {
    if (gpu.fb_used_mib) {
      totals.fb_used_mib_max = totals.fb_used_mib_max.value_or(0) + gpu.fb_used_mib->max;
    }
    if (gpu.power_w) totals.power_w_mean = totals.power_w_mean.value_or(0) + gpu.power_w->mean;
    if (gpu.util_percent) {
      totals.util_percent_mean = totals.util_percent_mean.value_or(0) + gpu.util_percent->mean;
      ++util_gpus;
    }
  }
  if (util_gpus > 0) *totals.util_percent_mean /= static_cast<double>(util_gpus);
  return totals;
}

std::string server_telemetry_line(const BenchmarkReport& benchmark) {
  if (!benchmark.telemetry || !benchmark.telemetry->server) return {};
  const telemetry::ServerTelemetry& server = *benchmark.telemetry->server;
  std::string line;
  if (server.kv_cache_usage) {
    append(line, fmt::format("KV cache {} mean, {} max", percent(server.kv_cache_usage->mean),
                             percent(server.kv_cache_usage->max)));
  }
  if (server.kv_capacity_tokens) {
    append(line, fmt::format("capacity {} tokens", format_fixed(*server.kv_capacity_tokens, 0)));
  }
  if (server.requests_running || server.requests_waiting) {
    std::string part;
    if (server.requests_running) {
      part = fmt::format("running {}", format_fixed(server.requests_running->mean, 1));
    }
    if (server.requests_waiting) {
      if (!part.empty()) part += ", ";
      part += fmt::format("waiting {} (max {})", format_fixed(server.requests_waiting->mean, 1),
                          format_fixed(server.requests_waiting->max, 0));
    }
    append(line, part + " mean");
  }
  if (server.preemptions) {
    append(line, fmt::format("{} preemptions", format_fixed(server.preemptions->delta, 0)));
  }
  if (server.generation_tokens) {
    append(line,
           fmt::format("server {} output tok/s", format_fixed(server.generation_tokens->per_s, 1)));
  }
  if (server.prefix_cache_hit_rate) {
    append(line, fmt::format("prefix cache hits {}", percent(*server.prefix_cache_hit_rate)));
  }
  return line;
}

std::vector<std::string> gpu_telemetry_lines(const BenchmarkReport& benchmark) {
  std::vector<std::string> lines;
  if (!benchmark.telemetry) return lines;
  for (const telemetry::GpuTelemetry& gpu : benchmark.telemetry->gpus) {
    std::string line;
    if (gpu.util_percent) {
      append(line, fmt::format("util {} % mean, {} % max", format_fixed(gpu.util_percent->mean, 0),
                               format_fixed(gpu.util_percent->max, 0)));
    }
    if (gpu.tensor_active) {
      append(line, fmt::format("tensor active {}", percent(gpu.tensor_active->mean)));
    }
    if (gpu.fb_used_mib) {
      std::string part =
          fmt::format("memory {} GiB", format_fixed(gpu.fb_used_mib->max / kMiBPerGiB, 1));
      if (gpu.fb_total_mib && *gpu.fb_total_mib > 0) {
        part += fmt::format(" of {} ({})", format_fixed(*gpu.fb_total_mib / kMiBPerGiB, 1),
                            percent(gpu.fb_used_mib->max / *gpu.fb_total_mib));
      }
      append(line, part);
    }
    if (gpu.power_w) append(line, fmt::format("{} W", format_fixed(gpu.power_w->mean, 0)));
    if (gpu.temp_c) append(line, fmt::format("{} C", format_fixed(gpu.temp_c->max, 0)));
    if (line.empty()) continue;
    const std::string name = gpu.model_name.empty() ? std::string() : " " + gpu.model_name;
    lines.push_back(fmt::format("GPU {}{}: {}", gpu.gpu, name, line));
  }
  return lines;
}

std::string ttft_comparison_line(const BenchmarkReport& benchmark) {
  if (!benchmark.telemetry || !benchmark.telemetry->server) return {};
  const auto& ttft = benchmark.telemetry->server->ttft;
  const metrics::DistributionSummary& client = benchmark.metrics.ttft_ms;
  if (!ttft || !ttft->p50 || client.count == 0 || !std::isfinite(client.p50)) return {};
  const telemetry::BucketQuantile& p50 = *ttft->p50;
  if (!p50.bucket_high_ms) {
    return fmt::format("server TTFT p50 above {} ms (its last bucket), client {} ms",
                       format_ms(p50.bucket_low_ms), format_ms(client.p50));
  }
  const double high_ms = *p50.bucket_high_ms;
  std::string line = fmt::format("server TTFT p50 {} ms (its bucket {}-{} ms), client {} ms",
                                 format_ms(p50.value_ms), format_ms(p50.bucket_low_ms),
                                 format_ms(high_ms), format_ms(client.p50));
  // The server's figure is only known to within its bucket: a difference inside the bucket is
  // not a measurement of the time outside the server.
  if (client.p50 > high_ms) {
    line += fmt::format(": at least {} ms outside the server (network, proxies, client)",
                        format_ms(client.p50 - high_ms));
  } else if (client.p50 >= p50.bucket_low_ms) {
    line += ": the same within the bucket";
  } else {
    line += ": below the server's bucket (the two count different requests or clocks)";
  }
  return line;
}

std::string settle_line(const BenchmarkReport& benchmark) {
  if (!benchmark.settle) return {};
  const Settle& settle = *benchmark.settle;
  if (settle.start_late_ms && *settle.start_late_ms > 100) {
    return fmt::format("started {} ms after the shards' common instant",
                       format_fixed(*settle.start_late_ms, 0));
  }
  if (settle.method == "shard_start") {
    if (settle.waited_s < 0.5) return {};
    return fmt::format("waited {} s for shard 0's start of it", format_fixed(settle.waited_s, 1));
  }
  if (settle.method == "pause") {
    if (settle.waited_s <= 0) return {};
    return fmt::format("paused {} s before it", format_fixed(settle.waited_s, 1));
  }
  if (!settle.reached) {
    return fmt::format("the server was still busy ({} requests) after a {} s wait for it to idle",
                       format_fixed(settle.busy_at_end, 0), format_fixed(settle.waited_s, 1));
  }
  if (settle.waited_s < 0.5) return {};
  return fmt::format("waited {} s for the server to be idle before it",
                     format_fixed(settle.waited_s, 1));
}

}  // namespace llmpace::report
