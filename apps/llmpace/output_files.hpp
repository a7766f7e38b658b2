// Report files: the format comes from the file name's extension. Paths are checked before the
// run starts, so a typo never costs a benchmark.
#pragma once

#include <string>
#include <vector>

#include "llmpace/report/report.hpp"

namespace llmpace::app {

/// Throws ConfigError when a path has an unsupported extension or cannot be written.
void ensure_outputs_writable(const std::vector<std::string>& paths);

/// Writes `report` to `path` (atomically: a temporary file renamed into place). Throws RunError.
void write_report_file(const std::string& path, const report::Report& report);

}  // namespace llmpace::app
