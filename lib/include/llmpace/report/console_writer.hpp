// Console writer: a human-readable table of a run's benchmarks, fitting 120 columns.
#pragma once

#include <string>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

std::string render_console(const Report& report);

}  // namespace llmpace::report
