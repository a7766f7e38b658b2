// Prometheus label names: which are valid, and which llmpace's exported series use themselves (so
// a suite variant's labels may not take them). Shared by the suite reader (scenario) and the
// Prometheus export (prom), so the two can never disagree.
//
// Pure; safe from any thread.
#pragma once

#include <string_view>

namespace llmpace {

/// True for a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*) not starting with "__".
bool is_label_name(std::string_view name);

/// True for a label the pushed or live series carry already (job, instance and their exported_
/// forms, suite, variant, scenario, model, llmpace_version, benchmark, profile, quantile, outcome,
/// kind, wall, le): see docs/prometheus.md.
bool is_reserved_label(std::string_view name);

}  // namespace llmpace
