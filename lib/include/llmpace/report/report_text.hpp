// Parts of a report as the writers name them in text (notes, legends, headers), written once so
// the console, HTML, CSV and compare outputs agree.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// "constant 2.50", "concurrent 8", "synchronous": the profile and the rate when it has one.
std::string benchmark_name(const BenchmarkReport& benchmark);

/// The distributions whose percentiles come from a histogram, within 2^-10, not from every sample
/// (DistributionSummary::percentiles_exact), joined by `separator`; "" when none.
std::string approximate_distributions(const metrics::BenchmarkMetrics& metrics,
                                      std::string_view separator);

/// "http_status 2, idle_timeout 1" (kinds in name order); empty when nothing errored.
std::string error_kinds_text(const metrics::BenchmarkMetrics& metrics);

/// Why a run measured nothing, over all its benchmarks: "8 connect, 2 http_status" (counts first,
/// kinds in name order), or "no request completed" when nothing errored either.
std::string run_errors_text(const Report& report);

/// `text` as one line of at most `max_columns` code points, for a terminal or a table: every run
/// of white space, control characters (newlines, tabs, terminal escapes) and invisible direction
/// marks becomes one space, the ends are trimmed, malformed UTF-8 becomes U+FFFD, and a longer
/// text is cut to end in "...". Nothing else is changed (messages are shown as the server sent
/// them).
std::string one_line(std::string_view text, std::size_t max_columns);

/// One error kind of `metrics` with its count and first message (first_error_by_kind), in at
/// most `max_columns` (the message is cut, down to 40 columns; never the kind): "http_status 2,
/// first: HTTP 500: boom", or "http_status 2" when no message was kept.
std::string error_kind_text(const metrics::BenchmarkMetrics& metrics, const std::string& kind,
                            std::size_t max_columns);

/// "3 requests had a bad usage object, e.g. completion_tokens is negative (-5); output counted
/// from chunks", in at most `max_columns` (the message is cut, down to 40 columns); ""
/// when no request had one.
std::string usage_problems_text(const metrics::UsageProblems& problems, std::size_t max_columns);

/// A value of the run's configuration (Report::run) as text: a string as it is, any other JSON
/// value as JSON text ("8", "true"); nullopt when the key is absent or null, or `run` is not an
/// object.
std::optional<std::string> run_text(const nlohmann::json& run, std::string_view key);

}  // namespace llmpace::report
