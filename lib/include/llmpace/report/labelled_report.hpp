// LabelledReport: one run's report with the label that names it in a comparison ("baseline",
// the file name, ...). Shared by the writers that take several runs (HTML, compare).
//
// Plain data; safe from any thread.
#pragma once

#include <string>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

struct LabelledReport {
  std::string label;
  Report report;
};

}  // namespace llmpace::report
