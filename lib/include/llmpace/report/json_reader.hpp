// JSON report reader: a saved report (docs/report-schema.md) back into the Report model, the exact
// inverse of report::to_json, so `to_json(report_from_json(j)) == j` for any report this version
// writes (metric_definitions are not read: to_json writes its own).
//
// Strict about what it needs, lenient about the rest: a missing field, a field of the wrong type
// or a schema_version other than kSchemaVersion throws ConfigError with one line naming the
// source and the field ("report 'a.json': missing field 'benchmarks[0].metrics.ttft_ms.p50'");
// unknown extra fields are ignored (fields may be added within a schema version). A number
// written as null (how nlohmann writes NaN and infinities) reads as NaN.
//
// Pure apart from read_report_file's file read; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// The report held by `json`. `source` names it in error messages ("report 'a.json'").
/// Throws ConfigError.
Report report_from_json(const nlohmann::json& json, std::string_view source = "report");

/// Reads and parses the file at `path`. Throws ConfigError when it cannot be read, is not JSON
/// or is not a report this version reads; the message names the file.
Report read_report_file(const std::string& path);

}  // namespace llmpace::report
