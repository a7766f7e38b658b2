// Regressions: a suite run's figures against a baseline run's, with the suite's tolerances.
//
// The two reports of one (variant, scenario) are lined up benchmark by benchmark as
// `llmpace report compare` lines them up (report/compare.hpp: sweep stages by position, other
// profiles by profile and rate). A tolerance "+10%" on a metric regresses a benchmark when
// current > baseline × 1.10; "-5%" when current < baseline × 0.95. A benchmark one run lacks, or
// a value either run lacks (an empty distribution, a baseline of 0), is not compared: the
// summary lists what was compared, so a silent pass is visible.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/report/report.hpp"
#include "llmpace/scenario/suite_file.hpp"

namespace llmpace::suite {

struct Regression {
  std::size_t benchmark = 0;  // 1-based row of the comparison (the baseline's order)
  ProfileKind profile = ProfileKind::synchronous;
  std::string metric;
  double baseline = 0.0;
  double current = 0.0;
  double change = 0.0;  // current / baseline - 1
  scenario::Tolerance tolerance;
};

struct RegressionCheck {
  std::vector<Regression> regressions;
  std::size_t compared = 0;  // (benchmark, metric) pairs with both values
};

/// Checks `current` against `baseline` for every tolerance.
RegressionCheck find_regressions(const std::vector<scenario::Tolerance>& tolerances,
                                 const report::Report& baseline, const report::Report& current);

/// "ttft_ms_p99 rose 23.4 % (180.2 -> 222.4; tolerance +10 %)".
std::string describe(const Regression& regression);

}  // namespace llmpace::suite
