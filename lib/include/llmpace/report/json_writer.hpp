// JSON report writer: the schema is documented in docs/report-schema.md.
#pragma once

#include <nlohmann/json.hpp>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

nlohmann::json to_json(const Report& report);

/// One element of the report's "benchmarks" array (also usable alone, e.g. one JSONL line).
nlohmann::json benchmark_to_json(const BenchmarkReport& benchmark);

/// {"count", "mean", "stddev", "min", "max", "p25", "p50", "p75", "p90", "p95", "p99"}.
nlohmann::json summary_to_json(const metrics::DistributionSummary& summary);

}  // namespace llmpace::report
