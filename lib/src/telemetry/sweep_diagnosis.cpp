// The sweep rules (docs/diagnosis.md, "Across a sweep"): order the benchmarks by load, find the
// knee (the highest load that met the SLO, or kept up without one), the first wall as the load
// rose, and the slope of TPOT against the batch.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "diagnosis_text.hpp"
#include "llmpace/telemetry/diagnosis.hpp"
#include "llmpace/telemetry/trend.hpp"

namespace llmpace::telemetry {
namespace {

using detail::num;
using detail::percent_of_fraction;
using metrics::BenchmarkMetrics;

bool open_loop(ProfileKind profile) {
  return profile == ProfileKind::constant || profile == ProfileKind::poisson;
}

LoadUnit load_unit_of(std::span<const SweepStage> stages) {
  const bool all_streams = std::all_of(stages.begin(), stages.end(), [](const SweepStage& stage) {
    return stage.input.profile == ProfileKind::synchronous ||
           stage.input.profile == ProfileKind::concurrent;
  });
  return all_streams ? LoadUnit::streams : LoadUnit::requests_per_s;
}

/// Streams: 1 for synchronous, the concurrent benchmark's streams (its most in flight when no rate
/// was given). Requests per second: the rate asked of an open-loop benchmark, the rate sent by any
/// other.
double load_of(const SweepStage& stage, LoadUnit unit) {
  const DiagnosisInput& input = stage.input;
  if (unit == LoadUnit::streams) {
    if (input.profile == ProfileKind::synchronous) return 1.0;
    return input.rate ? *input.rate : static_cast<double>(input.metrics->concurrency.max);
  }
  if (open_loop(input.profile) && input.rate) return *input.rate;
  return input.metrics->throughput.sent_requests_per_s;
}

std::string load_text(double load, LoadUnit unit) {
  return unit == LoadUnit::streams ? fmt::format("{} stream{}", num(load), load == 1 ? "" : "s")
                                   : fmt::format("{} req/s", num(load));
}

std::string stage_name(const SweepStage& stage, std::size_t index, double load, LoadUnit unit) {
  return fmt::format("benchmark {} ({}, {})", index, to_string(stage.input.profile),
                     load_text(load, unit));
}

/// Successful requests per second of the benchmark, without the ramp: the first and the last
/// requests are in flight for about one mean latency that no steady rate fills, so the duration
/// less the mean latency is the span the completions measure.
double achieved_rate(const BenchmarkMetrics& m) {
  const double latency_s = m.latency_ms.count > 0 ? m.latency_ms.mean / 1000.0 : 0.0;
  const double span_s = m.duration_s - latency_s > 0 ? m.duration_s - latency_s : m.duration_s;
  return span_s > 0 ? static_cast<double>(m.requests.successful) / span_s : 0.0;
}

struct KneeCheck {
  bool holds = false;
  KneeCriterion criterion = KneeCriterion::throughput_tracking;
  std::string text;
};

KneeCheck slo_check(const SweepStage& stage) {
  const BenchmarkMetrics& m = *stage.input.metrics;
  const metrics::Slo& slo = stage.input.slo;
  if (m.goodput) {
    const bool met = m.goodput->fraction >= kKneeGoodputFraction;
    return {met, KneeCriterion::slo_goodput,
            fmt::format("goodput {} {} {}", percent_of_fraction(m.goodput->fraction),
                        met ? ">=" : "<", percent_of_fraction(kKneeGoodputFraction))};
  }
  struct Bar {
    std::string_view name;
    const metrics::DistributionSummary& measured;
    std::optional<double> bar_ms;
  };
  const std::array<Bar, 4> bars{{{"TTFT", m.ttft_ms, slo.ttft_ms},
                                 {"TPOT", m.tpot_ms, slo.tpot_ms},
                                 {"ITL mean", m.itl_mean_ms, slo.itl_mean_ms},
                                 {"latency", m.latency_ms, slo.latency_ms}}};
  if (m.requests.successful == 0) {
    return {false, KneeCriterion::slo_p99, "no successful request"};
  }
  bool met = true;
  std::vector<std::string> parts;
  for (const Bar& bar : bars) {
    if (!bar.bar_ms || bar.measured.count == 0) continue;
    const bool ok = bar.measured.p99 <= *bar.bar_ms;
    met = met && ok;
    parts.push_back(fmt::format("{} p99 {} ms {} {} ms", bar.name, num(bar.measured.p99),
                                ok ? "<=" : ">", num(*bar.bar_ms)));
  }
  return {met, KneeCriterion::slo_p99, fmt::format("{}", fmt::join(parts, ", "))};
}

KneeCheck tracking_check(const SweepStage& stage) {
  const BenchmarkMetrics& m = *stage.input.metrics;
  KneeCheck check{true, KneeCriterion::throughput_tracking, {}};
  std::vector<std::string> parts;
  if (m.requests.successful == 0) {
    check.holds = false;
    parts.push_back("no successful request");
  }
  if (stage.diagnosis.wall != Wall::headroom) {
    check.holds = false;
    parts.push_back(fmt::format("{}", to_string(stage.diagnosis.wall)));
  } else {
    parts.push_back("headroom");
  }
  if (open_loop(stage.input.profile) && stage.input.rate && *stage.input.rate > 0) {
    const double achieved = achieved_rate(m);
    const double share = achieved / *stage.input.rate;
    const bool tracked = share >= kKneeTrackingFraction;
    check.holds = check.holds && tracked;
    parts.push_back(fmt::format("achieved {} req/s is {} of the {} asked ({} {})", num(achieved),
                                percent_of_fraction(share), num(*stage.input.rate),
                                tracked ? ">=" : "<", percent_of_fraction(kKneeTrackingFraction)));
  }
  check.text = fmt::format("{}", fmt::join(parts, ", "));
  return check;
}

std::optional<TpotSlope> tpot_slope_of(std::span<const SweepStage> stages) {
  std::vector<double> xs;
  std::vector<double> ys;
  for (const SweepStage& stage : stages) {
    const BenchmarkMetrics& m = *stage.input.metrics;
    if (m.tpot_ms.count == 0) continue;
    xs.push_back(m.concurrency.mean);
    ys.push_back(m.tpot_ms.p50);
  }
  const std::optional<LinearTrend> trend =
      fit_trend(xs, ys, TrendThresholds{kTpotSlopeMinPoints, 0.0, 0.0});
  if (!trend) return std::nullopt;
  TpotSlope slope;
  slope.ms_per_request = trend->slope;
  slope.intercept_ms = trend->intercept;
  slope.points = trend->points;
  slope.concurrency_low = *std::min_element(xs.begin(), xs.end());
  slope.concurrency_high = *std::max_element(xs.begin(), xs.end());
  const double low = trend->intercept + trend->slope * slope.concurrency_low;
  const double high = trend->intercept + trend->slope * slope.concurrency_high;
  slope.growth = low > 0 ? high / low : 0.0;
  slope.rising = trend->significant && slope.growth >= kComputeWallTpotGrowth;
  return slope;
}

std::string slope_text(const TpotSlope& slope) {
  return fmt::format(
      "TPOT p50 {} ms per extra request in flight ({} points, {}x from {} to {} "
      "in flight)",
      detail::signed_num(slope.ms_per_request), slope.points, num(slope.growth),
      num(slope.concurrency_low), num(slope.concurrency_high));
}

}  // namespace

std::string_view to_string(LoadUnit unit) {
  return unit == LoadUnit::streams ? "streams" : "requests_per_s";
}

std::string_view to_string(KneeCriterion criterion) {
  switch (criterion) {
    case KneeCriterion::slo_goodput:
      return "slo_goodput";
    case KneeCriterion::slo_p99:
      return "slo_p99";
    case KneeCriterion::throughput_tracking:
      return "throughput_tracking";
  }
  return "unknown";
}

SweepDiagnosis diagnose_sweep(std::span<const SweepStage> stages) {
  for (const SweepStage& stage : stages) {
    if (stage.input.metrics == nullptr) throw std::invalid_argument("diagnose_sweep: no metrics");
  }
  SweepDiagnosis sweep;
  sweep.load_unit = load_unit_of(stages);
  std::vector<double> loads;
  for (const SweepStage& stage : stages) loads.push_back(load_of(stage, sweep.load_unit));
  std::vector<std::size_t> order(stages.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return loads[a] < loads[b]; });

  std::vector<std::string> names;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    names.push_back(stage_name(stages[i], i, loads[i], sweep.load_unit));
  }
  {
    std::vector<std::string> ordered;
    for (const std::size_t i : order) ordered.push_back(names[i]);
    sweep.evidence.push_back(
        fmt::format("load order ({}): {}", to_string(sweep.load_unit), fmt::join(ordered, " < ")));
  }

  const bool with_slo = std::any_of(stages.begin(), stages.end(), [](const SweepStage& stage) {
    return !stage.input.slo.empty();
  });
  bool missed_below = false;  // a lower load missed
  std::string missed_name;
  for (const std::size_t i : order) {
    const SweepStage& stage = stages[i];
    if (stage.diagnosis.wall == Wall::client_bound) {
      sweep.evidence.push_back(fmt::format(
          "knee: {} skipped: client-bound, the load asked for was not delivered", names[i]));
      continue;
    }
    const KneeCheck check = with_slo ? slo_check(stage) : tracking_check(stage);
    sweep.evidence.push_back(fmt::format("knee ({}): {}: {}: {}", to_string(check.criterion),
                                         names[i], check.text, check.holds ? "holds" : "fails"));
    if (check.holds) {
      if (missed_below) {
        sweep.evidence.push_back(
            fmt::format("knee: not monotonic: {} failed below {}", missed_name, names[i]));
        missed_below = false;
      }
      sweep.knee = SweepKnee{i, loads[i], check.criterion};
    } else if (!missed_below) {
      missed_below = true;
      missed_name = names[i];
    }
  }

  for (const std::size_t i : order) {
    const Wall wall = stages[i].diagnosis.wall;
    if (wall == Wall::headroom || wall == Wall::client_bound) continue;
    sweep.first_wall = SweepWall{i, loads[i], wall};
    sweep.evidence.push_back(fmt::format("first wall: {} at {}: {}", to_string(wall), names[i],
                                         stages[i].diagnosis.verdict));
    break;
  }
  if (!sweep.first_wall) sweep.evidence.push_back("first wall: none, headroom at every load");

  sweep.tpot_slope = tpot_slope_of(stages);
  bool compute_seen = false;
  for (const SweepStage& stage : stages) compute_seen |= stage.diagnosis.wall == Wall::compute;
  if (sweep.tpot_slope) {
    std::string line = "TPOT vs batch: " + slope_text(*sweep.tpot_slope);
    if (sweep.tpot_slope->rising && !compute_seen) {
      line +=
          ": TPOT rises with the batch, a sign of the compute wall (no benchmark's GPU "
          "figures confirm it)";
    }
    sweep.evidence.push_back(std::move(line));
  } else {
    sweep.evidence.push_back(fmt::format(
        "TPOT vs batch: fewer than {} benchmarks with TPOT samples", kTpotSlopeMinPoints));
  }

  std::vector<std::string> clauses;
  if (sweep.knee) {
    clauses.push_back(fmt::format(
        "knee at {} ({}: {})", load_text(sweep.knee->load, sweep.load_unit),
        to_string(stages[sweep.knee->index].input.profile),
        with_slo ? "the highest load that met the SLO" : "the highest load that kept up"));
  } else {
    clauses.push_back(with_slo ? "no benchmark met the SLO" : "no benchmark kept up");
  }
  if (sweep.first_wall) {
    clauses.push_back(fmt::format("first wall: {} at {}", title_of(sweep.first_wall->wall),
                                  load_text(sweep.first_wall->load, sweep.load_unit)));
  } else {
    clauses.push_back("headroom at every load");
  }
  if (sweep.tpot_slope && sweep.tpot_slope->rising) {
    clauses.push_back(fmt::format("TPOT grows {}x with the batch", num(sweep.tpot_slope->growth)));
  }
  const bool client_only =
      !stages.empty() && std::all_of(stages.begin(), stages.end(), [](const SweepStage& stage) {
        return stage.diagnosis.client_data_only;
      });
  std::string verdict = fmt::format("{}", fmt::join(clauses, "; "));
  verdict[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(verdict[0])));
  sweep.verdict = (client_only ? "client data only: " : "") + verdict;
  if (!with_slo) {
    sweep.evidence.push_back(
        fmt::format("no SLO given: the knee is the highest load with no wall whose achieved rate "
                    "(open loop) stayed within {} of the rate asked",
                    percent_of_fraction(1.0 - kKneeTrackingFraction)));
  }
  return sweep;
}

}  // namespace llmpace::telemetry
