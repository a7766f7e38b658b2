// JSON report writer: the schema is documented in docs/report-schema.md.
#pragma once

#include <nlohmann/json.hpp>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

nlohmann::json to_json(const Report& report);

/// One element of the report's "benchmarks" array (also usable alone, e.g. one JSONL line).
nlohmann::json benchmark_to_json(const BenchmarkReport& benchmark);

/// {"count", "mean", "stddev", "min", "max", then every percentile of metrics::kPercentileFields}.
nlohmann::json summary_to_json(const metrics::DistributionSummary& summary);
/// Every distribution of a benchmark, keyed by its name (metrics::kDistributionFields).
nlohmann::json distributions_to_json(const metrics::BenchmarkMetrics& metrics);

}  // namespace llmpace::report
