// The rules that need the server's or the GPUs' figures: the KV-cache wall and the compute wall
// (docs/diagnosis.md), and the helpers every rule shares.
#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "diagnosis_rules.hpp"
#include "diagnosis_text.hpp"

namespace llmpace::telemetry::detail {

std::optional<GpuActivity> gpu_activity_of(const TelemetrySummary* telemetry) {
  if (telemetry == nullptr) return std::nullopt;
  const bool tensor_everywhere =
      !telemetry->gpus.empty() &&
      std::all_of(telemetry->gpus.begin(), telemetry->gpus.end(),
                  [](const GpuTelemetry& gpu) { return gpu.tensor_active.has_value(); });
  if (tensor_everywhere) {
    double tensor_sum = 0.0;
    for (const GpuTelemetry& gpu : telemetry->gpus) tensor_sum += gpu.tensor_active->mean * 100.0;
    return GpuActivity{tensor_sum / static_cast<double>(telemetry->gpus.size()),
                       telemetry->gpus.size(), "PIPE_TENSOR_ACTIVE", kComputeWallTensorPercent,
                       kKvWallTensorLowPercent};
  }
  double sum = 0.0;
  std::size_t engine = 0;
  std::size_t util = 0;
  for (const GpuTelemetry& gpu : telemetry->gpus) {
    if (gpu.gr_engine_active) {
      sum += gpu.gr_engine_active->mean * 100.0;
      ++engine;
    } else if (gpu.util_percent) {
      sum += gpu.util_percent->mean;
      ++util;
    }
  }
  if (engine + util == 0) return std::nullopt;
  const std::string_view source = engine == 0 ? "GPU_UTIL"
                                  : util == 0 ? "GR_ENGINE_ACTIVE"
                                              : "GR_ENGINE_ACTIVE/GPU_UTIL";
  return GpuActivity{sum / static_cast<double>(engine + util), engine + util, source};
}

std::string describe(const GpuActivity& gpu) {
  return fmt::format("GPU activity {} ({}, {} GPU{})", percent(gpu.percent), gpu.source, gpu.gpus,
                     gpu.gpus == 1 ? "" : "s");
}

std::string evidence_line(Wall wall, std::string_view status,
                          const std::vector<std::string>& parts) {
  return fmt::format("{}: {}: {}", to_string(wall), status, fmt::join(parts, "; "));
}

RuleOutcome not_checked(Wall wall, std::string reason) {
  return {false, {}, evidence_line(wall, "not checked", {std::move(reason)})};
}

RuleOutcome decided(Wall wall, bool fired, const std::vector<std::string>& parts,
                    std::string verdict) {
  return {fired, fired ? std::move(verdict) : std::string(),
          evidence_line(wall, fired ? "fired" : "not met", parts)};
}

std::string ms(double value) { return num(value) + " ms"; }

// --- KV-cache wall ----------------------------------------------------------------------------

RuleOutcome kv_cache_rule(const Context& c) {
  constexpr Wall kWall = Wall::kv_cache;
  if (c.server == nullptr) return not_checked(kWall, "no server telemetry");
  if (!c.server->kv_cache_usage) return not_checked(kWall, "the server exposed no KV-cache usage");
  const GaugeStats& kv = *c.server->kv_cache_usage;
  std::vector<std::string> parts;
  const bool p95_full = kv.p95 >= kKvWallUsage;
  const bool kv_full = p95_full || kv.max >= kKvWallUsage;
  if (p95_full) {
    parts.push_back(fmt::format("KV usage p95 {} >= {} (max {})", percent_of_fraction(kv.p95),
                                percent_of_fraction(kKvWallUsage), percent_of_fraction(kv.max)));
  } else if (kv_full) {
    parts.push_back(fmt::format("KV usage max {} >= {} (p95 {})", percent_of_fraction(kv.max),
                                percent_of_fraction(kKvWallUsage), percent_of_fraction(kv.p95)));
  } else {
    parts.push_back(fmt::format("KV usage p95 {} and max {} < {}", percent_of_fraction(kv.p95),
                                percent_of_fraction(kv.max), percent_of_fraction(kKvWallUsage)));
  }
  bool waiting = false;
  double waiting_mean = 0.0;
  if (c.server->requests_waiting) {
    waiting_mean = c.server->requests_waiting->mean;
    waiting = waiting_mean >= kKvWallWaitingMean;
    parts.push_back(fmt::format("requests waiting mean {} {} {} (max {})", num(waiting_mean),
                                waiting ? ">=" : "<", num(kKvWallWaitingMean),
                                num(c.server->requests_waiting->max)));
  } else {
    parts.push_back("requests waiting not exposed");
  }
  bool compute_first = false;
  std::string gpu_clause = " (GPU activity not scraped)";
  if (c.gpu) {
    compute_first = c.gpu->percent >= c.gpu->wall_percent;
    if (compute_first) {
      parts.push_back(fmt::format("{} >= {}: the compute wall comes first", describe(*c.gpu),
                                  percent(c.gpu->wall_percent)));
    } else if (c.gpu->percent >= c.gpu->low_percent) {
      parts.push_back(fmt::format("{} >= {}: compute is near its limit too", describe(*c.gpu),
                                  percent(c.gpu->low_percent)));
      gpu_clause = fmt::format(" while GPU activity averaged {}, near its compute limit too",
                               percent(c.gpu->percent));
    } else {
      parts.push_back(fmt::format("{} < {}: memory, not compute, ran out", describe(*c.gpu),
                                  percent(c.gpu->low_percent)));
      gpu_clause = fmt::format(" while GPU activity averaged {}", percent(c.gpu->percent));
    }
  } else {
    parts.push_back("GPU activity not scraped");
  }
  std::string extra;
  if (c.server->preemptions) {
    const CounterStats& preemptions = *c.server->preemptions;
    parts.push_back(
        fmt::format("preemptions {} ({}/s){}", num(preemptions.delta), num(preemptions.per_s),
                    preemptions.delta > 0 ? ": the cache evicted running requests" : ""));
    if (preemptions.delta > 0) extra += fmt::format(", {} preemptions", num(preemptions.delta));
  }
  // Without a successful request, the TTFT of the incomplete ones that got a first token.
  const bool from_incomplete = c.m.ttft_ms.count == 0 && c.m.incomplete.ttft_ms.count > 0;
  const metrics::DistributionSummary& ttft = from_incomplete ? c.m.incomplete.ttft_ms : c.m.ttft_ms;
  if (c.input.unloaded && c.input.unloaded->ttft_p50_ms > 0 && ttft.count > 0) {
    const double factor = ttft.p99 / c.input.unloaded->ttft_p50_ms;
    const bool far = factor >= kKvWallTtftTailFactor;
    parts.push_back(fmt::format("TTFT p99 {}{} is {}x the unloaded TTFT p50 {} ({} {}x)",
                                ms(ttft.p99), from_incomplete ? " (incomplete requests)" : "",
                                num(factor), ms(c.input.unloaded->ttft_p50_ms), far ? ">=" : "<",
                                num(kKvWallTtftTailFactor)));
    if (far) extra += fmt::format("; TTFT p99 {}x the unloaded p50", num(factor));
  }
  if (c.server->queue_time && c.server->queue_time->p90) {
    parts.push_back(
        fmt::format("server queue time p90 {}", ms(c.server->queue_time->p90->value_ms)));
  }
  const bool fired = kv_full && waiting && !compute_first;
  const std::string usage = p95_full ? fmt::format("KV usage p95 {}", percent_of_fraction(kv.p95))
                                     : fmt::format("KV usage max {}", percent_of_fraction(kv.max));
  return decided(kWall, fired, parts,
                 fmt::format("{} with {} requests waiting on average{}{}", usage, num(waiting_mean),
                             gpu_clause, extra));
}

// --- Compute wall -----------------------------------------------------------------------------

RuleOutcome compute_rule(const Context& c) {
  constexpr Wall kWall = Wall::compute;
  if (!c.gpu) return not_checked(kWall, "no GPU telemetry");
  std::vector<std::string> parts;
  if (c.single_stream) {
    parts.push_back(
        fmt::format("one request at a time: no batch to saturate compute ({})", describe(*c.gpu)));
    return decided(kWall, false, parts);
  }
  const bool busy = c.gpu->percent >= c.gpu->wall_percent;
  parts.push_back(
      fmt::format("{} {} {}", describe(*c.gpu), busy ? ">=" : "<", percent(c.gpu->wall_percent)));
  bool tpot_grew = true;
  std::string tpot_clause;
  if (!c.input.unloaded || c.input.unloaded->tpot_p50_ms <= 0) {
    parts.push_back("TPOT growth not checked: no unloaded reference");
  } else if (c.m.tpot_ms.count == 0) {
    parts.push_back("TPOT growth not checked: no TPOT samples");
  } else {
    const double growth = c.m.tpot_ms.p50 / c.input.unloaded->tpot_p50_ms;
    tpot_grew = growth >= kComputeWallTpotGrowth;
    parts.push_back(fmt::format("TPOT p50 {} is {}x the unloaded TPOT p50 {} ({} {}x)",
                                ms(c.m.tpot_ms.p50), num(growth), ms(c.input.unloaded->tpot_p50_ms),
                                tpot_grew ? ">=" : "<", num(kComputeWallTpotGrowth)));
    tpot_clause = fmt::format(", TPOT p50 {} ({}x the unloaded {})", ms(c.m.tpot_ms.p50),
                              num(growth), ms(c.input.unloaded->tpot_p50_ms));
  }
  if (c.server != nullptr && c.server->kv_cache_usage) {
    parts.push_back(
        fmt::format("KV usage p95 {}", percent_of_fraction(c.server->kv_cache_usage->p95)));
  }
  parts.push_back(fmt::format("concurrency mean {}", num(c.m.concurrency.mean)));
  return decided(kWall, busy && tpot_grew, parts,
                 fmt::format("GPU activity averaged {} with {} requests in flight on average{}",
                             percent(c.gpu->percent), num(c.m.concurrency.mean), tpot_clause));
}

}  // namespace llmpace::telemetry::detail
