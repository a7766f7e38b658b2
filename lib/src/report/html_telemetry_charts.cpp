#include "html_telemetry_charts.hpp"

#include <cmath>
#include <optional>
#include <string_view>

#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/report_text.hpp"

namespace llmpace::report::html {
namespace {

using telemetry::TelemetryPoint;

constexpr int kChartWidth = 600;

/// One figure of the series drawn in a chart, scaled for the axis (KV usage 0..1 as percent).
struct Figure {
  std::optional<double> TelemetryPoint::*member;
  double scale;
  std::string_view name;  ///< series suffix when a chart draws several figures
};

struct ChartSpec {
  std::string_view title;
  std::string_view y_label;
  std::vector<Figure> figures;
  std::string_view caption;
};

std::vector<ChartSpec> chart_specs() {
  static_assert(kHtmlTelemetryChartTitles.size() == 4);
  return {
      {kHtmlTelemetryChartTitles[0],
       "KV-cache usage %",
       {{&TelemetryPoint::kv_cache_usage, 100.0, "KV usage"}},
       "The server's KV-cache usage at each scrape."},
      {kHtmlTelemetryChartTitles[1],
       "requests",
       {{&TelemetryPoint::requests_running, 1.0, "running"},
        {&TelemetryPoint::requests_waiting, 1.0, "waiting"}},
       "Requests the server was running (solid) and holding in its queue (dashed) at each "
       "scrape."},
      {kHtmlTelemetryChartTitles[2],
       "GPU utilisation %",
       {{&TelemetryPoint::gpu_util_percent, 1.0, "GPU util"}},
       "GPU utilisation (DCGM_FI_DEV_GPU_UTIL), the mean over the GPUs, at each scrape."},
      {kHtmlTelemetryChartTitles[3],
       "W",
       {{&TelemetryPoint::power_w, 1.0, "power"}},
       "GPU power draw, the sum over the GPUs, at each scrape."},
  };
}

std::vector<svg::Point> points_of(const std::vector<TelemetryPoint>& series, const Figure& figure) {
  std::vector<svg::Point> points;
  for (const TelemetryPoint& point : series) {
    const std::optional<double>& value = point.*figure.member;
    if (!value || !std::isfinite(*value) || !std::isfinite(point.t_s)) continue;
    points.push_back({point.t_s, *value * figure.scale});
  }
  return points;
}

/// The k-th benchmark's line for the f-th figure of a chart of `figures` figures. One run:
/// colour by benchmark, dash by figure (or, with one figure, past the palette's length).
/// A comparison: colour by run, dash by figure (or by benchmark), marker by benchmark.
void style(svg::Series& series, std::size_t runs, const PageRun& run, std::size_t k, std::size_t f,
           std::size_t figures) {
  if (runs == 1) {
    series.color = k % svg::kPalette.size();
    series.dash = static_cast<svg::Dash>((figures > 1 ? f : k / svg::kPalette.size()) % 4);
  } else {
    series.color = run.index;
    series.dash = static_cast<svg::Dash>((figures > 1 ? f : k) % 4);
  }
  series.marker = static_cast<svg::MarkerShape>((runs == 1 ? 0 : k) % 4);
}

svg::LineChart chart_of(const ChartSpec& spec, std::span<const PageRun> runs) {
  svg::LineChart chart;
  chart.title = spec.title;
  chart.x_label = "seconds from the benchmark start";
  chart.y_label = spec.y_label;
  chart.x_from_zero = true;
  chart.width = kChartWidth;
  for (const PageRun& run : runs) {
    std::size_t k = 0;
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (!benchmark.telemetry || benchmark.telemetry->series.empty()) continue;
      std::string name = benchmark_name(benchmark);
      if (runs.size() > 1) name = run.label + " · " + name;
      for (std::size_t f = 0; f < spec.figures.size(); ++f) {
        svg::Series series;
        series.points = points_of(benchmark.telemetry->series, spec.figures[f]);
        if (series.points.empty()) continue;
        series.name =
            spec.figures.size() > 1 ? name + " · " + std::string(spec.figures[f].name) : name;
        style(series, runs.size(), run, k, f, spec.figures.size());
        chart.series.push_back(std::move(series));
      }
      ++k;
    }
  }
  return chart;
}

}  // namespace

std::vector<TelemetryFigure> telemetry_charts(std::span<const PageRun> runs) {
  std::vector<TelemetryFigure> figures;
  for (const ChartSpec& spec : chart_specs()) {
    svg::LineChart chart = chart_of(spec, runs);
    if (chart.series.empty()) continue;
    std::string caption(spec.caption);
    caption +=
        " One line per benchmark, on its own clock (0: its start; a point before 0 is the "
        "baseline scrape).";
    if (runs.size() > 1) caption += " Colour: run.";
    figures.push_back({std::move(chart), svg::xml_escape(caption)});
  }
  return figures;
}

}  // namespace llmpace::report::html
