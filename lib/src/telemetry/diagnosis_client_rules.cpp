// The rules that work from the client's figures (the server's queue series strengthens the first):
// over-saturation, the latency floor and client-bound (docs/diagnosis.md).
#include <fmt/format.h>

#include <utility>

#include "diagnosis_rules.hpp"
#include "diagnosis_text.hpp"
#include "llmpace/telemetry/trend.hpp"

namespace llmpace::telemetry::detail {
namespace {

using metrics::DistributionSummary;

/// The trend test over a series' second half, and its evidence.
struct SeriesTrend {
  bool rising = false;
  std::string evidence;
  std::string verdict;  // "requests waiting rose from 12 to 480 over the second half (+30/s)"
};

SeriesTrend judge_series(std::string_view what, const std::vector<double>& xs,
                         const std::vector<double>& ys) {
  const TrendThresholds thresholds{kOverSaturationMinPoints, 0.10, kOverSaturationMinRiseRequests};
  const std::optional<LinearTrend> trend = fit_trend(xs, ys, thresholds);
  if (!trend) {
    return {false,
            fmt::format("{}: {} points in the second half (< {}): no trend", what, xs.size(),
                        kOverSaturationMinPoints),
            {}};
  }
  const double from = trend->intercept + trend->slope * xs.front();
  const double to = trend->intercept + trend->slope * xs.back();
  const std::string fit =
      fmt::format("{} fitted {} -> {} over the second half (slope {}/s, t {} {} {}, rise {} {} {})",
                  what, num(from), num(to), signed_num(trend->slope), num(trend->t_stat),
                  trend->significant ? ">=" : "<", num(trend->t_critical), num(trend->rise),
                  trend->rise >= trend->min_rise ? ">=" : "<", num(trend->min_rise));
  return {trend->rising, fit,
          fmt::format("{} rose from {} to {} over the second half ({}/s)", what, num(from), num(to),
                      signed_num(trend->slope))};
}

struct Objective {
  std::string_view name;
  const DistributionSummary& measured;
  double bar_ms;
};

std::vector<Objective> floor_objectives(const Context& c) {
  std::vector<Objective> objectives;
  const metrics::Slo& slo = c.input.slo;
  if (slo.empty()) {
    objectives.push_back({"TTFT", c.m.ttft_ms, kDefaultFloorTtftMs});
    objectives.push_back({"TPOT", c.m.tpot_ms, kDefaultFloorTpotMs});
    return objectives;
  }
  if (slo.ttft_ms) objectives.push_back({"TTFT", c.m.ttft_ms, *slo.ttft_ms});
  if (slo.tpot_ms) objectives.push_back({"TPOT", c.m.tpot_ms, *slo.tpot_ms});
  if (slo.itl_mean_ms) objectives.push_back({"ITL mean", c.m.itl_mean_ms, *slo.itl_mean_ms});
  if (slo.latency_ms) objectives.push_back({"latency", c.m.latency_ms, *slo.latency_ms});
  return objectives;
}

}  // namespace

// --- Over-saturation --------------------------------------------------------------------------

RuleOutcome over_saturation_rule(const Context& c) {
  constexpr Wall kWall = Wall::over_saturation;
  if (c.input.stopped_on_saturation) {
    return decided(kWall, true, {"the live detector stopped the benchmark (--stop-on-saturation)"},
                   "the live detector stopped the benchmark: the queue and TTFT kept growing");
  }
  if (!c.open_loop) {
    return not_checked(kWall, fmt::format("{} is not an open-loop profile: its own streams bound "
                                          "the queue",
                                          to_string(c.input.profile)));
  }
  const double duration_s = c.m.duration_s;
  if (!(duration_s > 0)) return not_checked(kWall, "the benchmark has no duration");
  const double half_s = duration_s / 2.0;
  std::vector<std::string> parts;
  std::vector<std::string> rises;
  bool fired = false;

  if (c.telemetry != nullptr && c.server != nullptr) {
    std::vector<double> xs;
    std::vector<double> ys;
    for (const TelemetryPoint& point : c.telemetry->series) {
      if (point.requests_waiting && point.t_s >= half_s && point.t_s <= duration_s) {
        xs.push_back(point.t_s);
        ys.push_back(*point.requests_waiting);
      }
    }
    SeriesTrend waiting = judge_series("requests waiting (server)", xs, ys);
    parts.push_back(std::move(waiting.evidence));
    if (waiting.rising) {
      fired = true;
      rises.push_back(std::move(waiting.verdict));
    }
  }
  {
    std::vector<double> xs;
    std::vector<double> ys;
    const double bucket_s = c.m.timeline_bucket_s;
    for (const metrics::TimelinePoint& point : c.m.timeline) {
      const bool whole = point.start_s + bucket_s <= duration_s + 1e-9;
      if (point.start_s >= half_s && whole) {
        xs.push_back(point.start_s + bucket_s / 2.0);
        ys.push_back(point.concurrency_mean);
      }
    }
    SeriesTrend in_flight = judge_series("requests in flight (client)", xs, ys);
    parts.push_back(std::move(in_flight.evidence));
    if (in_flight.rising) {
      fired = true;
      rises.push_back(std::move(in_flight.verdict));
    }
  }
  if (c.m.ttft_ms.count > 0 && c.m.ttft_ms.p50 > 0) {
    parts.push_back(fmt::format("TTFT p99 {} is {}x its p50 {}", ms(c.m.ttft_ms.p99),
                                num(c.m.ttft_ms.p99 / c.m.ttft_ms.p50), ms(c.m.ttft_ms.p50)));
  }
  if (c.m.requests.incomplete > 0) {
    parts.push_back(fmt::format("{} requests incomplete at the end", c.m.requests.incomplete));
  }
  const std::string rate =
      c.input.rate ? fmt::format(" at {} req/s", num(*c.input.rate)) : std::string();
  return decided(kWall, fired, parts, fmt::format("{}{}", fmt::join(rises, " and "), rate));
}

// --- Latency floor ----------------------------------------------------------------------------

RuleOutcome latency_floor_rule(const Context& c) {
  constexpr Wall kWall = Wall::latency_floor;
  if (!c.single_stream) {
    return not_checked(kWall, fmt::format("more than one request at a time (concurrency mean {}, "
                                          "max {})",
                                          num(c.m.concurrency.mean), c.m.concurrency.max));
  }
  if (c.m.requests.successful == 0) return not_checked(kWall, "no successful request");
  const bool no_slo = c.input.slo.empty();
  std::vector<std::string> parts;
  std::vector<std::string> missed;
  for (const Objective& objective : floor_objectives(c)) {
    const std::string bar_name = no_slo ? "default floor bar" : "SLO";
    if (objective.measured.count == 0) {
      parts.push_back(fmt::format("{}: no samples", objective.name));
      continue;
    }
    const bool misses = objective.measured.p50 > objective.bar_ms;
    parts.push_back(fmt::format("{} p50 {} {} the {} {}", objective.name,
                                ms(objective.measured.p50), misses ? ">" : "<=", bar_name,
                                ms(objective.bar_ms)));
    if (misses) {
      missed.push_back(no_slo ? fmt::format("{} p50 {}", objective.name, ms(objective.measured.p50))
                              : fmt::format("{} p50 {} misses the SLO's {}", objective.name,
                                            ms(objective.measured.p50), ms(objective.bar_ms)));
    }
  }
  if (no_slo) {
    parts.push_back(fmt::format("no SLO given: default floor bars TTFT {}, TPOT {}",
                                ms(kDefaultFloorTtftMs), ms(kDefaultFloorTpotMs)));
  }
  std::string gpu_clause;
  if (c.gpu) {
    const bool idle = c.gpu->percent < kFloorGpuIdlePercent;
    parts.push_back(fmt::format("{} {} {}: {}", describe(*c.gpu),
                                idle ? "<" : ">=", percent(kFloorGpuIdlePercent),
                                idle ? "mostly idle" : "one request keeps the GPU busy"));
    gpu_clause = fmt::format(" while GPU activity averaged {}", percent(c.gpu->percent));
  } else {
    parts.push_back("GPU activity not scraped");
  }
  const std::string verdict =
      no_slo ? fmt::format(
                   "at concurrency 1 {} exceed{} the default floor bars (no SLO given: "
                   "TTFT {}, TPOT {}){}",
                   fmt::join(missed, ", "), missed.size() == 1 ? "s" : "", ms(kDefaultFloorTtftMs),
                   ms(kDefaultFloorTpotMs), gpu_clause)
             : fmt::format("at concurrency 1 {}{}", fmt::join(missed, ", "), gpu_clause);
  return decided(kWall, !missed.empty(), parts, verdict);
}

// --- Client-bound -----------------------------------------------------------------------------

RuleOutcome client_bound_rule(const Context& c) {
  constexpr Wall kWall = Wall::client_bound;
  std::vector<std::string> parts;
  std::vector<std::string> reasons;
  const double dispatch_p99 = c.m.dispatch_lag_ms.p99;
  if (c.open_loop) {
    parts.push_back(
        fmt::format("dispatch lag p99 {} {} {} (client_limited {})", ms(dispatch_p99),
                    c.m.client_limited ? ">" : "<=", ms(metrics::kClientLimitedDispatchLagP99Ms),
                    c.m.client_limited ? "true" : "false"));
  } else {
    parts.push_back(fmt::format("client_limited not judged: {} is not a paced profile",
                                to_string(c.input.profile)));
  }
  if (c.m.client_limited) {
    reasons.push_back(fmt::format("dispatch lag p99 {} > {}", ms(dispatch_p99),
                                  ms(metrics::kClientLimitedDispatchLagP99Ms)));
  }
  if (c.input.profile == ProfileKind::throughput) {
    parts.push_back("send lag not judged: throughput sends everything at once");
  } else if (c.m.requests.waited_for_slot > 0) {
    parts.push_back(fmt::format("send lag not judged: {} requests waited for a concurrency slot",
                                c.m.requests.waited_for_slot));
  } else if (c.m.send_lag_ms.count == 0) {
    parts.push_back("send lag: no samples");
  } else {
    const double p99 = c.m.send_lag_ms.p99;
    const bool late = p99 >= kClientBoundSendLagP99Ms;
    parts.push_back(fmt::format("send lag p99 {} {} {}", ms(p99), late ? ">=" : "<",
                                ms(kClientBoundSendLagP99Ms)));
    if (late)
      reasons.push_back(
          fmt::format("send lag p99 {} >= {}", ms(p99), ms(kClientBoundSendLagP99Ms)));
  }
  return decided(
      kWall, !reasons.empty(), parts,
      fmt::format("the load generator fell behind its schedule: {}", fmt::join(reasons, ", ")));
}

}  // namespace llmpace::telemetry::detail
