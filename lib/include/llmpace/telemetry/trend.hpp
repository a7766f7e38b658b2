// Trend test: does a quantity rise over time (or against another quantity), beyond noise and by
// enough to matter? One ordinary least-squares line through (x, y) points, judged by three tests,
// all of which must hold (docs/diagnosis.md, "The trend test"):
//   1. at least `min_points` points (and the x values not all equal);
//   2. significance: slope > 0 and its t statistic, slope / standard error of the slope, at least
//      the one-sided 99 % critical value of Student's t with n - 2 degrees of freedom
//      (t_critical_one_sided_99); a line through every point exactly has an infinite t;
//   3. size: the fitted rise across the points, slope * (x_last - x_first), at least
//      max(min_relative_rise * mean of y, min_absolute_rise).
// The diagnosis uses it for the queue and in-flight series of a benchmark, the live saturation
// detector for its windows and the sweep for TPOT against the batch.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace llmpace::telemetry {

struct TrendThresholds {
  std::size_t min_points = 5;
  double min_relative_rise = 0.10;  ///< of the mean of y
  double min_absolute_rise = 0.0;   ///< in y's unit
};

struct LinearTrend {
  std::size_t points = 0;
  double slope = 0.0;      ///< y per unit of x
  double intercept = 0.0;  ///< y at x = 0
  double slope_stderr = 0.0;
  double t_stat = 0.0;      ///< slope / slope_stderr; +inf for an exact line with a positive slope
  double t_critical = 0.0;  ///< one-sided 99 % for points - 2 degrees of freedom
  double x_span = 0.0;      ///< x_last - x_first (max - min)
  double rise = 0.0;        ///< slope * x_span
  double mean_y = 0.0;
  double min_rise = 0.0;     ///< max(min_relative_rise * |mean_y|, min_absolute_rise)
  bool significant = false;  ///< slope > 0 and t_stat >= t_critical
  bool rising = false;       ///< significant and rise >= min_rise
};

/// The least-squares line through (xs[i], ys[i]) and its verdict; nullopt with fewer than
/// max(min_points, 3) points, sizes that differ, or x values that are all equal.
std::optional<LinearTrend> fit_trend(std::span<const double> xs, std::span<const double> ys,
                                     const TrendThresholds& thresholds = {});

/// Student's t at one-sided 99 % (the value a t variable exceeds with probability 1 %), for
/// `degrees_of_freedom` >= 1: a table up to 30, then a Cornish-Fisher expansion around the normal
/// quantile 2.3263 (within 0.001 of the exact value). 0 degrees of freedom: +inf.
double t_critical_one_sided_99(std::size_t degrees_of_freedom);

}  // namespace llmpace::telemetry
