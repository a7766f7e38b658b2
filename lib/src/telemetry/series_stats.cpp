#include "series_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace llmpace::telemetry::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Non-cumulative counts of a histogram at `bounds` (a subset of its own bounds, +Inf last).
std::vector<double> bucket_counts_at(const HistogramReading& histogram,
                                     const std::vector<double>& bounds) {
  std::vector<double> counts;
  counts.reserve(bounds.size());
  std::size_t at = 0;
  double previous = 0.0;
  for (const double bound : bounds) {
    while (at < histogram.upper_bounds.size() && histogram.upper_bounds[at] < bound) ++at;
    const double cumulative = at < histogram.cumulative_counts.size()
                                  ? histogram.cumulative_counts[at]
                                  : histogram.cumulative_counts.back();
    counts.push_back(std::max(0.0, cumulative - previous));
    previous = cumulative;
  }
  return counts;
}

}  // namespace

std::optional<GaugeStats> gauge_stats(const std::vector<TimedValue>& readings, double duration_s) {
  const double end = std::max(0.0, duration_s);
  struct Held {
    double value;
    double seconds;
  };
  std::vector<Held> held;
  // A reading describes the time since the one before it (DCGM's utilisation is "over the past
  // sample period"; a queue seen at t has been building since): reading i inside (0, D] holds
  // over (t[i-1], t[i]], the first one from 0, and the last one also on to D, since the closing
  // scrape after the end sees the requests already cancelled. Without a reading inside, the
  // first one after the end stands in for the window, else the baseline.
  const auto inside = [end](const TimedValue& reading) {
    return reading.t_s > 0.0 && reading.t_s <= end;
  };
  const auto first_inside = std::find_if(readings.begin(), readings.end(), inside);
  if (first_inside == readings.end()) {
    const auto after_end = std::find_if(readings.begin(), readings.end(),
                                        [end](const TimedValue& r) { return r.t_s > end; });
    if (after_end != readings.end()) {
      held.push_back({after_end->value, end});
    } else if (!readings.empty()) {
      held.push_back({readings.back().value, end});
    }
  } else {
    double covered_to = 0.0;
    for (auto it = first_inside; it != readings.end() && inside(*it); ++it) {
      const bool last_inside = std::next(it) == readings.end() || !inside(*std::next(it));
      const double to = last_inside ? end : it->t_s;
      held.push_back({it->value, std::max(0.0, to - covered_to)});
      covered_to = std::max(covered_to, to);
    }
  }
  if (held.empty()) return std::nullopt;

  GaugeStats stats;
  stats.readings = held.size();
  double total_s = 0.0;
  for (const Held& one : held) total_s += one.seconds;
  if (total_s <= 0.0) {
    // No time inside the window (a zero duration): the latest reading stands for it.
    stats.mean = stats.max = stats.p95 = held.back().value;
    return stats;
  }
  double weighted = 0.0;
  stats.max = 0.0;
  bool any = false;
  for (const Held& one : held) {
    if (one.seconds <= 0.0) continue;
    weighted += one.value * one.seconds;
    stats.max = any ? std::max(stats.max, one.value) : one.value;
    any = true;
  }
  stats.mean = std::clamp(weighted / total_s, 0.0, stats.max);
  std::vector<Held> by_value;
  for (const Held& one : held) {
    if (one.seconds > 0.0) by_value.push_back(one);
  }
  std::sort(by_value.begin(), by_value.end(),
            [](const Held& a, const Held& b) { return a.value < b.value; });
  const double target = 0.95 * total_s * (1.0 - 1e-12);
  double cumulative = 0.0;
  stats.p95 = by_value.back().value;
  for (const Held& one : by_value) {
    cumulative += one.seconds;
    if (cumulative >= target) {
      stats.p95 = one.value;
      break;
    }
  }
  return stats;
}

double covered_s(double from_t_s, double to_t_s, double duration_s) {
  const double from = std::max(from_t_s, 0.0);
  const double to = std::min(to_t_s, std::max(0.0, duration_s));
  return std::max(0.0, to - from);
}

std::optional<CounterStats> counter_stats(const std::vector<TimedValue>& readings,
                                          double duration_s) {
  const std::size_t first = baseline_index(readings);
  if (readings.size() < first + 2) return std::nullopt;
  CounterStats stats;
  for (std::size_t i = first + 1; i < readings.size(); ++i) {
    const double step = readings[i].value - readings[i - 1].value;
    if (step >= 0.0) {
      stats.delta += step;
    } else {
      stats.reset = true;
      stats.delta += readings[i].value;
    }
  }
  const double seconds = covered_s(readings[first].t_s, readings.back().t_s, duration_s);
  stats.per_s = seconds > 0.0 ? stats.delta / seconds : 0.0;
  return stats;
}

std::optional<HistogramStats> histogram_stats(const std::vector<TimedHistogram>& readings) {
  const std::size_t first = baseline_index(readings);
  if (readings.size() < first + 2) return std::nullopt;
  // The bounds every reading has: counts projected there are exact.
  std::vector<double> bounds = readings[first].histogram->upper_bounds;
  for (std::size_t i = first + 1; i < readings.size(); ++i) {
    const std::vector<double>& own = readings[i].histogram->upper_bounds;
    std::vector<double> both;
    std::set_intersection(bounds.begin(), bounds.end(), own.begin(), own.end(),
                          std::back_inserter(both));
    bounds = std::move(both);
  }
  if (bounds.empty() || bounds.back() != kInf) return std::nullopt;

  HistogramStats stats;
  std::vector<double> increase(bounds.size(), 0.0);
  double sum_increase = 0.0;
  std::vector<double> previous = bucket_counts_at(*readings[first].histogram, bounds);
  for (std::size_t i = first + 1; i < readings.size(); ++i) {
    const HistogramReading& now = *readings[i].histogram;
    const HistogramReading& before = *readings[i - 1].histogram;
    std::vector<double> counts = bucket_counts_at(now, bounds);
    bool reset = now.sum < before.sum;
    for (std::size_t b = 0; b < bounds.size() && !reset; ++b) reset = counts[b] < previous[b];
    for (std::size_t b = 0; b < bounds.size(); ++b) {
      increase[b] += reset ? counts[b] : counts[b] - previous[b];
    }
    sum_increase += reset ? now.sum : std::max(0.0, now.sum - before.sum);
    stats.reset = stats.reset || reset;
    previous = std::move(counts);
  }
  std::vector<double> cumulative(bounds.size(), 0.0);
  double running = 0.0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    running += increase[b];
    cumulative[b] = running;
  }
  stats.count = running;
  if (stats.count > 0.0) {
    stats.mean_ms = std::max(0.0, sum_increase / stats.count * 1000.0);
    stats.p50 = bucket_quantile(0.50, bounds, cumulative);
    stats.p90 = bucket_quantile(0.90, bounds, cumulative);
    stats.p99 = bucket_quantile(0.99, bounds, cumulative);
  }
  return stats;
}

std::optional<BucketQuantile> bucket_quantile(double q, const std::vector<double>& upper_bounds_s,
                                              const std::vector<double>& cumulative_counts) {
  const std::size_t buckets = upper_bounds_s.size();
  if (buckets < 2 || cumulative_counts.size() != buckets || upper_bounds_s.back() != kInf) {
    return std::nullopt;
  }
  const double total = cumulative_counts.back();
  if (!(total > 0.0)) return std::nullopt;
  const double rank = q * total;
  std::size_t i = 0;
  while (i + 1 < buckets && cumulative_counts[i] < rank) ++i;
  BucketQuantile quantile;
  if (i + 1 == buckets) {
    // The +Inf bucket: all PromQL can say is its lower bound, the highest finite bound.
    quantile.value_ms = std::max(0.0, upper_bounds_s[buckets - 2] * 1000.0);
    quantile.bucket_low_ms = quantile.value_ms;
    return quantile;
  }
  const double high = upper_bounds_s[i];
  const double low = i == 0 ? 0.0 : upper_bounds_s[i - 1];
  quantile.bucket_low_ms = std::max(0.0, low * 1000.0);
  quantile.bucket_high_ms = std::max(0.0, high * 1000.0);
  if (i == 0 && high <= 0.0) {
    quantile.value_ms = quantile.bucket_high_ms.value();
    return quantile;
  }
  const double before = i == 0 ? 0.0 : cumulative_counts[i - 1];
  const double in_bucket = cumulative_counts[i] - before;
  const double fraction = in_bucket > 0.0 ? (rank - before) / in_bucket : 1.0;
  quantile.value_ms = std::max(0.0, (low + (high - low) * std::clamp(fraction, 0.0, 1.0)) * 1000.0);
  return quantile;
}

}  // namespace llmpace::telemetry::detail
