// See regression.hpp.
#include "llmpace/suite/regression.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmpace/report/compare.hpp"

namespace llmpace::suite {

RegressionCheck find_regressions(const std::vector<scenario::Tolerance>& tolerances,
                                 const report::Report& baseline, const report::Report& current) {
  RegressionCheck check;
  if (tolerances.empty()) return check;
  const report::Comparison comparison =
      report::compare_reports({{"baseline", baseline}, {"current", current}});
  for (std::size_t row = 0; row < comparison.benchmarks.size(); ++row) {
    const report::BenchmarkComparison& benchmark = comparison.benchmarks[row];
    if (!benchmark.runs[0] || !benchmark.runs[1]) continue;
    for (const scenario::Tolerance& tolerance : tolerances) {
      for (const report::MetricComparison& metric : benchmark.metrics) {
        if (metric.name != tolerance.metric) continue;
        const auto& was = metric.values[0];
        const auto& now = metric.values[1];
        if (!was || !now || *was == 0 || !std::isfinite(*now / *was)) continue;
        ++check.compared;
        const double change = *now / *was - 1.0;
        const bool regressed =
            tolerance.rise_is_bad ? change > tolerance.fraction : change < -tolerance.fraction;
        if (!regressed) continue;
        check.regressions.push_back(
            {row + 1, benchmark.profile, metric.name, *was, *now, change, tolerance});
      }
    }
  }
  return check;
}

std::string describe(const Regression& regression) {
  return fmt::format("{} {} {:.1f} % ({:.4g} -> {:.4g}; tolerance {}{:g} %)", regression.metric,
                     regression.change >= 0 ? "rose" : "fell", std::abs(regression.change) * 100.0,
                     regression.baseline, regression.current,
                     regression.tolerance.rise_is_bad ? '+' : '-',
                     regression.tolerance.fraction * 100.0);
}

}  // namespace llmpace::suite
