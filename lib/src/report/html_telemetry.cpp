// The HTML report's "Server and GPU" section: what the server's /metrics and the GPUs' DCGM
// exporters showed during each benchmark (docs/telemetry.md), as three tables (server figures,
// GPUs, server-side latency), the notes of each benchmark and charts over its clock.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include "html_sections.hpp"
#include "html_table.hpp"
#include "html_telemetry_charts.hpp"
#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/svg_chart.hpp"
#include "llmpace/report/telemetry_text.hpp"

namespace llmpace::report::html {
namespace {

using svg::xml_escape;
using telemetry::BucketQuantile;
using telemetry::CounterStats;
using telemetry::GaugeStats;
using telemetry::GpuTelemetry;
using telemetry::HistogramStats;
using telemetry::ServerTelemetry;

/// The server-side latency table is shown unfolded up to this many rows (two benchmarks).
constexpr std::size_t kOpenLatencyRows = 10;

/// A benchmark with something to show: server or GPU figures, or a series.
bool has_figures(const BenchmarkReport& benchmark) {
  if (!benchmark.telemetry) return false;
  const telemetry::TelemetrySummary& summary = *benchmark.telemetry;
  return summary.server || !summary.gpus.empty() || !summary.series.empty();
}

template <typename Predicate>
bool any_benchmark(std::span<const PageRun> runs, Predicate predicate) {
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (predicate(benchmark)) return true;
    }
  }
  return false;
}

/// The first cells of a row: the run (in a comparison) and the benchmark.
std::vector<Cell> name_cells(std::span<const PageRun> runs, const PageRun& run,
                             const BenchmarkReport& benchmark) {
  std::vector<Cell> cells;
  if (runs.size() > 1) cells.push_back(text_cell(run.label));
  cells.push_back(text_cell(benchmark_name(benchmark)));
  return cells;
}

std::vector<Column> name_columns(std::span<const PageRun> runs) {
  std::vector<Column> columns;
  if (runs.size() > 1) columns.push_back({"", "run", true});
  columns.push_back({"", "benchmark", true});
  return columns;
}

Cell number_cell(double value, int decimals) { return text_cell(format_fixed(value, decimals)); }

Cell gauge_cell(const std::optional<GaugeStats>& gauge, double GaugeStats::*member, double scale,
                int decimals) {
  return gauge ? number_cell(gauge.value().*member * scale, decimals) : absent_cell();
}

Cell optional_cell(const std::optional<double>& value, double scale, int decimals) {
  return value ? number_cell(*value * scale, decimals) : absent_cell();
}

// ---- server -----------------------------------------------------------------------------------

void append_server_table(std::string& out, std::span<const PageRun> runs) {
  std::vector<Column> columns = name_columns(runs);
  columns.insert(columns.end(), {
                                    {"KV cache %", "mean"},
                                    {"KV cache %", "p95"},
                                    {"KV cache %", "max"},
                                    {"", "KV capacity tok"},
                                    {"running", "mean"},
                                    {"running", "max"},
                                    {"waiting", "mean"},
                                    {"waiting", "max"},
                                    {"", "preemptions"},
                                    {"tok/s", "server prompt"},
                                    {"tok/s", "server output"},
                                    {"tok/s", "client output"},
                                    {"", "prefix cache hits %"},
                                });
  std::vector<std::vector<Cell>> rows;
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (!benchmark.telemetry || !benchmark.telemetry->server) continue;
      const ServerTelemetry& server = *benchmark.telemetry->server;
      std::vector<Cell> row = name_cells(runs, run, benchmark);
      row.push_back(gauge_cell(server.kv_cache_usage, &GaugeStats::mean, 100, 1));
      row.push_back(gauge_cell(server.kv_cache_usage, &GaugeStats::p95, 100, 1));
      row.push_back(gauge_cell(server.kv_cache_usage, &GaugeStats::max, 100, 1));
      row.push_back(optional_cell(server.kv_capacity_tokens, 1, 0));
      row.push_back(gauge_cell(server.requests_running, &GaugeStats::mean, 1, 1));
      row.push_back(gauge_cell(server.requests_running, &GaugeStats::max, 1, 0));
      row.push_back(gauge_cell(server.requests_waiting, &GaugeStats::mean, 1, 1));
      row.push_back(gauge_cell(server.requests_waiting, &GaugeStats::max, 1, 0));
      row.push_back(server.preemptions ? number_cell(server.preemptions->delta, 0) : absent_cell());
      for (const std::optional<CounterStats>* counter :
           {&server.prompt_tokens, &server.generation_tokens}) {
        row.push_back(*counter ? number_cell((*counter)->per_s, 1) : absent_cell());
      }
      row.push_back(number_cell(benchmark.metrics.throughput.output_tokens_per_s, 1));
      row.push_back(optional_cell(server.prefix_cache_hit_rate, 100, 1));
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) return;
  out += "<h3>Server</h3>\n";
  append_table(out, columns, rows);
}

// ---- GPUs -------------------------------------------------------------------------------------

/// FB used at its peak as a share of the GPU's memory, in percent.
std::optional<double> fb_used_percent(const GpuTelemetry& gpu) {
  if (!gpu.fb_used_mib || !gpu.fb_total_mib || !(*gpu.fb_total_mib > 0)) return std::nullopt;
  return gpu.fb_used_mib->max / *gpu.fb_total_mib * 100.0;
}

void append_gpu_table(std::string& out, std::span<const PageRun> runs) {
  std::vector<Column> columns = name_columns(runs);
  columns.insert(columns.end(), {
                                    {"", "GPU", true},
                                    {"util %", "mean"},
                                    {"util %", "max"},
                                    {"", "tensor active %"},
                                    {"FB used (max)", "MiB"},
                                    {"FB used (max)", "% of total"},
                                    {"FB used (max)", "total MiB"},
                                    {"power W", "mean"},
                                    {"power W", "max"},
                                    {"", "temp C max"},
                                });
  std::vector<std::vector<Cell>> rows;
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (!benchmark.telemetry) continue;
      for (const GpuTelemetry& gpu : benchmark.telemetry->gpus) {
        std::vector<Cell> row = name_cells(runs, run, benchmark);
        std::string name = gpu.gpu;
        if (!gpu.model_name.empty()) name += " " + gpu.model_name;
        if (!gpu.hostname.empty()) name += " @ " + gpu.hostname;
        row.push_back(text_cell(name));
        row.push_back(gauge_cell(gpu.util_percent, &GaugeStats::mean, 1, 0));
        row.push_back(gauge_cell(gpu.util_percent, &GaugeStats::max, 1, 0));
        row.push_back(gauge_cell(gpu.tensor_active, &GaugeStats::mean, 100, 1));
        row.push_back(gauge_cell(gpu.fb_used_mib, &GaugeStats::max, 1, 0));
        row.push_back(optional_cell(fb_used_percent(gpu), 1, 1));
        row.push_back(optional_cell(gpu.fb_total_mib, 1, 0));
        row.push_back(gauge_cell(gpu.power_w, &GaugeStats::mean, 1, 0));
        row.push_back(gauge_cell(gpu.power_w, &GaugeStats::max, 1, 0));
        row.push_back(gauge_cell(gpu.temp_c, &GaugeStats::max, 1, 0));
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.empty()) return;
  out += "<h3>GPUs</h3>\n";
  append_table(out, columns, rows);
}

// ---- server-side latency ----------------------------------------------------------------------

/// A bucket bound: as format_ms, but the first bucket's lower bound reads "0".
std::string bound_text(double bound_ms) { return bound_ms == 0 ? "0" : format_ms(bound_ms); }

/// "812.0 <small>750.0–1000</small>": the value and its bucket; "≥ 5000 <small>+Inf
/// bucket</small>" when it fell above the highest finite bound.
Cell quantile_cell(const std::optional<BucketQuantile>& quantile) {
  if (!quantile) return absent_cell();
  if (!quantile->bucket_high_ms) {
    const std::string low = format_ms(quantile->bucket_low_ms);
    if (low == kAbsent) return absent_cell();
    return {fmt::format("≥ {} <small>+Inf bucket</small>", low), false};
  }
  const std::string value = format_ms(quantile->value_ms);
  if (value == kAbsent) return absent_cell();
  return {fmt::format("{} <small>{}–{}</small>", value, bound_text(quantile->bucket_low_ms),
                      bound_text(*quantile->bucket_high_ms)),
          false};
}

void append_latency_table(std::string& out, std::span<const PageRun> runs) {
  std::vector<Column> columns = name_columns(runs);
  columns.insert(columns.end(), {
                                    {"", "histogram", true},
                                    {"", "count"},
                                    {"ms (bucket)", "mean"},
                                    {"ms (bucket)", "p50"},
                                    {"ms (bucket)", "p90"},
                                    {"ms (bucket)", "p99"},
                                });
  std::vector<std::vector<Cell>> rows;
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (!benchmark.telemetry || !benchmark.telemetry->server) continue;
      const ServerTelemetry& server = *benchmark.telemetry->server;
      for (const auto& [name, histogram] :
           {std::pair{"TTFT", &server.ttft}, std::pair{"ITL", &server.itl},
            std::pair{"TPOT", &server.tpot}, std::pair{"e2e", &server.e2e},
            std::pair{"queue", &server.queue_time}}) {
        if (!*histogram) continue;
        const HistogramStats& stats = **histogram;
        std::vector<Cell> row = name_cells(runs, run, benchmark);
        row.push_back(text_cell(name));
        row.push_back(number_cell(stats.count, 0));
        row.push_back(stats.count > 0 ? text_cell(format_ms(stats.mean_ms)) : absent_cell());
        row.push_back(quantile_cell(stats.p50));
        row.push_back(quantile_cell(stats.p90));
        row.push_back(quantile_cell(stats.p99));
        rows.push_back(std::move(row));
      }
    }
  }
  if (rows.empty()) return;
  // Five rows a benchmark: a long sweep's table starts folded, so the page stays short.
  fmt::format_to(std::back_inserter(out),
                 "<details{}><summary class=\"h3\">Server-side latency <small>({} rows: one per "
                 "histogram per benchmark)</small></summary>\n",
                 rows.size() <= kOpenLatencyRows ? " open" : "", rows.size());
  append_table(out, columns, rows);
  out += "</details>\n";
}

// ---- notes and charts -------------------------------------------------------------------------

/// Per benchmark: the client−server TTFT line, the settle line, and why telemetry is missing or
/// partial; escaped, each prefixed with the benchmark's name.
std::vector<std::string> benchmark_notes(std::span<const PageRun> runs) {
  std::vector<std::string> notes;
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const std::string name =
          xml_escape(runs.size() > 1 ? run.label + " · " + benchmark_name(benchmark)
                                     : benchmark_name(benchmark));
      const auto add = [&](const std::string& line) {
        if (!line.empty()) notes.push_back(name + ": " + xml_escape(line));
      };
      add(ttft_comparison_line(benchmark));
      add(settle_line(benchmark));
      if (!benchmark.telemetry) {
        add("server and GPU metrics not scraped");
        continue;
      }
      for (const std::string& note : benchmark.telemetry->notes) add(note);
    }
  }
  return notes;
}

void append_list(std::string& out, const std::vector<std::string>& items_html) {
  if (items_html.empty()) return;
  out += "<ul class=\"notes\">\n";
  for (const std::string& item : items_html) {
    fmt::format_to(std::back_inserter(out), "<li>{}</li>\n", item);
  }
  out += "</ul>\n";
}

void append_charts(std::string& out, std::span<const PageRun> runs) {
  const std::vector<TelemetryFigure> figures = telemetry_charts(runs);
  if (figures.empty()) return;
  out += "<div class=\"charts\">\n";
  for (const TelemetryFigure& figure : figures) {
    fmt::format_to(std::back_inserter(out), "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n",
                   svg::render_line_chart(figure.chart), figure.caption_html);
  }
  out += "</div>\n";
}

/// "Not scraped" in one line: the benchmarks' own reasons (their notes, each once), or that the
/// report has no telemetry at all.
std::string not_scraped_line(std::span<const PageRun> runs) {
  std::vector<std::string> reasons;
  for (const PageRun& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (!benchmark.telemetry) continue;
      for (const std::string& note : benchmark.telemetry->notes) {
        if (std::find(reasons.begin(), reasons.end(), note) == reasons.end())
          reasons.push_back(note);
      }
    }
  }
  if (reasons.empty()) {
    return "Not scraped: the report has no server or GPU telemetry (--server-metrics off, or "
           "written before llmpace scraped /metrics).";
  }
  std::string line = "Not scraped: ";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (i > 0) line += "; ";
    line += reasons[i];
  }
  return xml_escape(line) + ".";
}

}  // namespace

void append_telemetry_section(std::string& out, std::span<const PageRun> runs) {
  out += "<section>\n<h2>Server and GPU</h2>\n";
  if (!any_benchmark(runs, has_figures)) {
    fmt::format_to(std::back_inserter(out), "<p class=\"explain\">{}</p>\n",
                   runs.empty() ? std::string("Not scraped.") : not_scraped_line(runs));
    std::vector<std::string> settled;
    for (const PageRun& run : runs) {
      for (const BenchmarkReport& benchmark : run.report->benchmarks) {
        const std::string line = settle_line(benchmark);
        if (line.empty()) continue;
        const std::string name = runs.size() > 1 ? run.label + " · " + benchmark_name(benchmark)
                                                 : benchmark_name(benchmark);
        settled.push_back(xml_escape(name + ": " + line));
      }
    }
    append_list(out, settled);
    out += "</section>\n";
    return;
  }
  append_server_table(out, runs);
  append_gpu_table(out, runs);
  append_latency_table(out, runs);
  out +=
      "<p class=\"explain\">From the server's /metrics and the GPUs' DCGM exporters, scraped while "
      "each benchmark ran. Gauges (KV cache, running, waiting, GPU figures): time-weighted over "
      "the benchmark. Preemptions: the increase over the benchmark; tok/s: the server's token "
      "counters per second beside the client's output tok/s. Server-side latency: percentiles of "
      "the histograms' increase, each with the bucket it fell in (the server's resolution). "
      "Definitions: docs/telemetry.md.</p>\n";
  append_list(out, benchmark_notes(runs));
  append_charts(out, runs);
  out += "</section>\n";
}

}  // namespace llmpace::report::html
