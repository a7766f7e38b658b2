// A Diagnosis and a SweepDiagnosis as JSON, both ways: the "diagnosis" object of each benchmark of
// the JSON report and the report's "sweep_diagnosis" (docs/report.schema.json, $defs/diagnosis and
// $defs/sweep_diagnosis). Reading what was written gives back the same value.
//
// Shape: enums by their to_string names; an absent optional is left out of its object, never
// written as null; empty strings and lists are written.
//
// Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "llmpace/telemetry/diagnosis.hpp"

namespace llmpace::telemetry {

/// {"wall", "verdict", "evidence": [...], "remedy", "client_data_only"}
nlohmann::json diagnosis_to_json(const Diagnosis& diagnosis);

/// {"load_unit", "knee"?: {"benchmark_index", "load", "criterion"}, "first_wall"?:
/// {"benchmark_index", "load", "wall"}, "tpot_slope"?: {"ms_per_request", "intercept_ms",
/// "points", "concurrency_low", "concurrency_high", "growth", "rising"}, "verdict", "evidence"}
nlohmann::json diagnosis_to_json(const SweepDiagnosis& sweep);

/// Read what diagnosis_to_json wrote. Every field it writes is checked for its type and enum
/// names must be known; fields it does not know are ignored. Throws llmpace::ConfigError naming
/// the field by its path below `path` ("benchmarks[1].diagnosis.wall: ...").
Diagnosis diagnosis_from_json(const nlohmann::json& json, std::string_view path = "diagnosis");
SweepDiagnosis sweep_diagnosis_from_json(const nlohmann::json& json,
                                         std::string_view path = "sweep_diagnosis");

}  // namespace llmpace::telemetry
