// The maths of summarise_telemetry() over one figure's readings in time order: time-weighted
// gauge statistics, counter increases with resets, histogram increases and their quantiles
// (docs/telemetry.md#what-the-report-says). Private to the telemetry module.
//
// Pure; safe from any thread.
#pragma once

#include <optional>
#include <vector>

#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::telemetry::detail {

/// One reading of a number, at t_s on the benchmark's clock.
struct TimedValue {
  double t_s = 0.0;
  double value = 0.0;
};

struct TimedHistogram {
  double t_s = 0.0;
  const HistogramReading* histogram = nullptr;
};

/// Time-weighted mean, max and p95 over [0, duration_s]; nullopt without a reading at or before
/// duration_s. `readings` must be in time order.
std::optional<GaugeStats> gauge_stats(const std::vector<TimedValue>& readings, double duration_s);

/// The index of the baseline: the last reading at t_s <= 0, else the first (0).
template <typename Timed>
std::size_t baseline_index(const std::vector<Timed>& readings) {
  std::size_t baseline = 0;
  for (std::size_t i = 0; i < readings.size() && readings[i].t_s <= 0.0; ++i) baseline = i;
  return baseline;
}

/// The seconds of [0, duration_s] between two readings' times (0 when none).
double covered_s(double from_t_s, double to_t_s, double duration_s);

/// The increase from the baseline to the last reading; nullopt with fewer than two readings from
/// the baseline on.
std::optional<CounterStats> counter_stats(const std::vector<TimedValue>& readings,
                                          double duration_s);

/// The bucket-wise increase from the baseline to the last reading, over the bounds every reading
/// has; nullopt with fewer than two readings from the baseline on.
std::optional<HistogramStats> histogram_stats(const std::vector<TimedHistogram>& readings);

/// PromQL's histogram_quantile(q) over cumulative counts (seconds in, milliseconds out); nullopt
/// when the histogram is empty or has no finite bucket.
std::optional<BucketQuantile> bucket_quantile(double q, const std::vector<double>& upper_bounds_s,
                                              const std::vector<double>& cumulative_counts);

}  // namespace llmpace::telemetry::detail
