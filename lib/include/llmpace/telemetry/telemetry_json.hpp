// A TelemetrySummary as JSON, both ways: the "telemetry" object of each benchmark of the JSON
// report (docs/report.schema.json, $defs/telemetry). telemetry_from_json(telemetry_to_json(s))
// gives back s.
//
// Shape: an absent optional is left out of its object, never written as null; empty strings,
// empty maps and empty lists are written. The series is written as columns (t_s and one array per
// figure, null where a point lacks the figure; a figure no point has is left out), so a long
// benchmark stays small. Units are in the names (_ms, _s, _mib, _w, _c, _mhz, _percent);
// fractions are 0..1.
//
// Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::telemetry {

nlohmann::json telemetry_to_json(const TelemetrySummary& summary);

/// Reads what telemetry_to_json wrote. Every field it writes is checked for its type; fields it
/// does not know are ignored (a newer writer may add some). Throws llmpace::ConfigError naming the
/// field by its path below `path` ("benchmarks[2].telemetry.server.ttft.p50.value_ms: should be
/// a number, not a string").
TelemetrySummary telemetry_from_json(const nlohmann::json& json,
                                     std::string_view path = "telemetry");

}  // namespace llmpace::telemetry
