// Report files: the format comes from the file name's extension. Paths are checked before the
// run starts, so a typo never costs a benchmark.
//
//   .json    the whole report (docs/report-schema.md)
//   .csv     one row per benchmark
//   .html    one self-contained page with charts (no network, no JavaScript)
//   .jsonl   one line per request, streamed while the run goes on (benchmark only)
#pragma once

#include <string>
#include <vector>

#include "llmpace/report/report.hpp"

namespace llmpace::app {

enum class OutputFormat { json, csv, html, jsonl };

/// The format of `path` by its extension. Throws ConfigError naming the flag on an unknown one,
/// or on .jsonl when `allow_request_log` is false.
OutputFormat output_format(const std::string& path, bool allow_request_log);

/// Throws ConfigError when a path has an unsupported extension or cannot be written.
void ensure_outputs_writable(const std::vector<std::string>& paths, bool allow_request_log);

/// Writes `text` to `path` through a temporary file renamed into place. Throws RunError.
void write_text_file(const std::string& path, const std::string& text);

/// Writes `report` to `path` in the format of its extension (atomically: a temporary file renamed
/// into place). A .jsonl path is skipped: it was streamed during the run. Throws RunError.
void write_report_file(const std::string& path, const report::Report& report);

}  // namespace llmpace::app
