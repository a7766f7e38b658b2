// CSV report writer: one header row, then one row per benchmark, for pandas.read_csv and
// spreadsheets with no post-processing.
//
// RFC 4180: fields separated by commas, a field quoted (and its quotes doubled) only when it
// holds a comma, a quote or a line break; every row ends with "\n". Columns are flat snake_case
// names with their unit (`duration_s`, `ttft_ms_p99`), fixed for a given llmpace version whatever
// the report holds:
//   llmpace_version, created_at, model, target   the run (model and target from Report::run)
//   benchmark                                    1-based position in the run
//   profile ... goodput_requests_per_s           the benchmark's scalars; errors_by_kind is
//                                                "http_status=2;idle_timeout=1", usage_problems
//                                                the requests with a bad usage object
//   <distribution>_count, _mean, _stddev, _min, _max, _<percentile>
//                                                every metrics::kDistributionFields entry, with
//                                                every metrics::kPercentileFields entry
//   incomplete_with_first_token, incomplete_ttft_ms_p50, _p99, incomplete_itl_ms_p50,
//   incomplete_waited_ms_count, incomplete_waited_ms_p50
//                                                what the incomplete requests measured
// Booleans are `true`/`false`; numbers use the shortest text that reads back to the same double.
// Empty cells mean "no value": a rate-less profile's rate, the goodput columns without an SLO, a
// non-finite number, and every statistic but the count of an empty distribution (so a
// spreadsheet never averages fake zeros).
//
// Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// Appends `field` to `out` as one RFC 4180 field: quoted, with quotes doubled, only when it
/// holds a comma, a quote or a line break. Shared by every CSV this project writes.
void append_csv_field(std::string& out, std::string_view field);

/// The whole CSV document: header row and one row per benchmark, in the order they ran.
std::string render_csv(const Report& report);

}  // namespace llmpace::report
