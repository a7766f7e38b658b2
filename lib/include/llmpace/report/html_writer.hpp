// HTML writer: one self-contained, offline page for one run or a comparison of several: header,
// summary cards, the diagnosis, the per-benchmark table, charts drawn as inline SVG (svg_chart),
// and the server's and GPUs' telemetry with its own charts. Nothing in
// it refers to anything outside the file (no URL, no script, no font, no @import), so it reads
// the same with JavaScript off, from a file:// URL, and printed.
//
// Pure; safe from any thread.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/report/labelled_report.hpp"

namespace llmpace::report {

/// The chart titles, in page order; every page with at least one benchmark has one <svg> each.
inline constexpr std::array<std::string_view, 5> kHtmlChartTitles{
    "TTFT vs request rate", "ITL vs request rate",   "Output throughput vs request rate",
    "Latency distribution", "Concurrency over time",
};

/// The "Server and GPU" section's chart titles, in page order: a page has each one whose figure
/// some benchmark's telemetry series has, and none without telemetry.
inline constexpr std::array<std::string_view, 4> kHtmlTelemetryChartTitles{
    "KV-cache usage over time",
    "Requests running and waiting over time",
    "GPU utilisation over time",
    "GPU power over time",
};

/// One run: that run's report (its label, if any, shown as its name). Several runs: a
/// comparison, every chart drawing each run as its own series on the same axes and the table one
/// row per run per benchmark. An empty label in a comparison shows as "run N".
std::string render_html(const std::vector<LabelledReport>& runs);

}  // namespace llmpace::report
