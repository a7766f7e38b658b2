// Diagnoses a finished run's report: each benchmark's wall (from its metrics and telemetry, with
// the run's lowest-load benchmark as the unloaded reference) and, for a run of two or more
// benchmarks, the sweep's knee and first wall (docs/diagnosis.md).
//
// Pure; safe from any thread.
#pragma once

#include "llmpace/metrics/slo.hpp"
#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// Fills every benchmark's `diagnosis` and the report's `sweep_diagnosis` (two or more benchmarks).
void diagnose_report(Report& report, const metrics::Slo& slo);

}  // namespace llmpace::report
