// HTML writer: one self-contained, offline page for one run or a comparison of several: header,
// summary cards, the per-benchmark table and charts drawn as inline SVG (svg_chart). Nothing in
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

/// One run: that run's report (its label, if any, shown as its name). Several runs: a
/// comparison, every chart drawing each run as its own series on the same axes and the table one
/// row per run per benchmark. An empty label in a comparison shows as "run N".
std::string render_html(const std::vector<LabelledReport>& runs);

}  // namespace llmpace::report
