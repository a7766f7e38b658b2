// Parts of a report as the writers name them in text (notes, legends, headers), written once so
// the console, HTML, CSV and compare outputs agree.
//
// Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// "constant 2.50", "concurrent 8", "synchronous": the profile and the rate when it has one.
std::string benchmark_name(const BenchmarkReport& benchmark);

/// "http_status 2, idle_timeout 1" (kinds in name order); empty when nothing errored.
std::string error_kinds_text(const metrics::BenchmarkMetrics& metrics);

/// A value of the run's configuration (Report::run) as text: a string as it is, any other JSON
/// value as JSON text ("8", "true"); nullopt when the key is absent or null, or `run` is not an
/// object.
std::optional<std::string> run_text(const nlohmann::json& run, std::string_view key);

}  // namespace llmpace::report
