// The "Server and GPU" section's charts (private to the report module): KV-cache usage, requests
// running and waiting, GPU utilisation and GPU power from each benchmark's telemetry series, over
// the benchmark's own clock, one line per benchmark (and per run in a comparison).
//
// Pure; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "html_sections.hpp"
#include "llmpace/report/svg_chart.hpp"

namespace llmpace::report::html {

struct TelemetryFigure {
  svg::LineChart chart;
  std::string caption_html;  ///< escaped
};

/// The charts, in the order of kHtmlTelemetryChartTitles, of the figures that some benchmark's
/// series has; none when no series has a point.
std::vector<TelemetryFigure> telemetry_charts(std::span<const PageRun> runs);

}  // namespace llmpace::report::html
