#include "llmpace/telemetry/trend.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace llmpace::telemetry {

double t_critical_one_sided_99(std::size_t degrees_of_freedom) {
  // Student's t quantile 0.99 for 1..30 degrees of freedom (standard tables).
  static constexpr std::array<double, 30> kTable = {
      31.821, 6.965, 4.541, 3.747, 3.365, 3.143, 2.998, 2.896, 2.821, 2.764,
      2.718,  2.681, 2.650, 2.624, 2.602, 2.583, 2.567, 2.552, 2.539, 2.528,
      2.518,  2.508, 2.500, 2.492, 2.485, 2.479, 2.473, 2.467, 2.462, 2.457};
  if (degrees_of_freedom == 0) return std::numeric_limits<double>::infinity();
  if (degrees_of_freedom <= kTable.size()) return kTable[degrees_of_freedom - 1];
  // Cornish-Fisher: t = z + g1(z)/v + g2(z)/v^2, z the normal quantile 0.99.
  constexpr double kZ = 2.3263478740;
  const double v = static_cast<double>(degrees_of_freedom);
  const double z3 = kZ * kZ * kZ;
  const double z5 = z3 * kZ * kZ;
  const double g1 = (z3 + kZ) / 4.0;
  const double g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * kZ) / 96.0;
  return kZ + g1 / v + g2 / (v * v);
}

std::optional<LinearTrend> fit_trend(std::span<const double> xs, std::span<const double> ys,
                                     const TrendThresholds& thresholds) {
  const std::size_t n = xs.size();
  if (n != ys.size() || n < std::max<std::size_t>(thresholds.min_points, 3)) return std::nullopt;
  double mean_x = 0.0;
  double mean_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_x += xs[i];
    mean_y += ys[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxx = 0.0;
  double sxy = 0.0;
  double syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = xs[i] - mean_x;
    const double dy = ys[i] - mean_y;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0.0)) return std::nullopt;

  LinearTrend trend;
  trend.points = n;
  trend.slope = sxy / sxx;
  trend.intercept = mean_y - trend.slope * mean_x;
  const double residual_ss = std::max(0.0, syy - trend.slope * sxy);
  const double degrees_of_freedom = static_cast<double>(n - 2);
  trend.slope_stderr = std::sqrt(residual_ss / degrees_of_freedom / sxx);
  // Rounding leaves a tiny residual on an exact line: below 1e-12 of the spread of y it is none.
  const bool exact = residual_ss <= 1e-12 * std::max(syy, std::numeric_limits<double>::min());
  if (trend.slope > 0.0) {
    trend.t_stat = exact || trend.slope_stderr == 0.0 ? std::numeric_limits<double>::infinity()
                                                      : trend.slope / trend.slope_stderr;
  } else {
    trend.t_stat = trend.slope_stderr == 0.0 ? 0.0 : trend.slope / trend.slope_stderr;
  }
  trend.t_critical = t_critical_one_sided_99(n - 2);
  const auto [min_x, max_x] = std::minmax_element(xs.begin(), xs.end());
  trend.x_span = *max_x - *min_x;
  trend.rise = trend.slope * trend.x_span;
  trend.mean_y = mean_y;
  trend.min_rise =
      std::max(thresholds.min_relative_rise * std::abs(mean_y), thresholds.min_absolute_rise);
  trend.significant = trend.slope > 0.0 && trend.t_stat >= trend.t_critical;
  trend.rising = trend.significant && trend.rise >= trend.min_rise;
  return trend;
}

}  // namespace llmpace::telemetry
