// The HTML report's "Diagnosis" section: per run, the sweep's verdict with its knee, first wall
// and TPOT slope, then one row per benchmark with its wall as a coloured badge, its verdict, its
// remedy and its evidence (collapsed). The texts are the diagnosis's own (docs/diagnosis.md).
#include <fmt/format.h>

#include <iterator>
#include <vector>

#include "html_sections.hpp"
#include "html_table.hpp"
#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/svg_chart.hpp"

namespace llmpace::report::html {
namespace {

using svg::xml_escape;
using telemetry::Wall;

/// The badge colour: the server's walls and over-saturation are limits to act on ("bad"); the
/// latency floor and a client-bound run are warnings about the setup; headroom is fine.
std::string_view badge_class(Wall wall) {
  switch (wall) {
    case Wall::kv_cache:
    case Wall::compute:
    case Wall::over_saturation:
      return "bad";
    case Wall::latency_floor:
    case Wall::client_bound:
      return "warn";
    case Wall::headroom:
      return "ok";
  }
  return "warn";
}

std::string wall_badge(Wall wall) {
  return fmt::format("<span class=\"wall {}\" title=\"{}\">{}</span>", badge_class(wall),
                     xml_escape(telemetry::to_string(wall)), xml_escape(telemetry::title_of(wall)));
}

/// The evidence lines as a collapsed list; empty when there are none.
std::string evidence_details(const std::vector<std::string>& evidence) {
  if (evidence.empty()) return {};
  std::string html =
      fmt::format("<details><summary>evidence ({} lines)</summary><ul>", evidence.size());
  for (const std::string& line : evidence) {
    fmt::format_to(std::back_inserter(html), "<li>{}</li>", xml_escape(line));
  }
  html += "</ul></details>";
  return html;
}

std::string load_text(double load, telemetry::LoadUnit unit) {
  const std::string number = format_rate(load);
  if (unit == telemetry::LoadUnit::requests_per_s) return number + " req/s";
  return number + (load == 1 ? " stream" : " streams");
}

/// " (constant 2.50)": the benchmark at `index` of the report, or nothing out of range.
std::string benchmark_at(const Report& report, std::size_t index) {
  if (index >= report.benchmarks.size()) return {};
  return " (" + xml_escape(benchmark_name(report.benchmarks[index])) + ")";
}

/// How the knee was judged, in words.
std::string_view criterion_text(telemetry::KneeCriterion criterion) {
  switch (criterion) {
    case telemetry::KneeCriterion::slo_goodput:
      return "SLO goodput";
    case telemetry::KneeCriterion::slo_p99:
      return "SLO p99";
    case telemetry::KneeCriterion::throughput_tracking:
      return "throughput tracking the rate";
  }
  return "-";
}

void append_meta(std::string& out, std::string_view name, const std::string& value_html) {
  fmt::format_to(std::back_inserter(out), "<div><dt>{}</dt><dd>{}</dd></div>", name, value_html);
}

void append_sweep(std::string& out, const Report& report) {
  const telemetry::SweepDiagnosis& sweep = *report.sweep_diagnosis;
  fmt::format_to(std::back_inserter(out),
                 "<div class=\"sweep\">\n<p><strong>Sweep:</strong> {}</p>\n",
                 xml_escape(sweep.verdict));
  out += "<dl class=\"meta\">";
  if (sweep.knee) {
    append_meta(
        out, "knee",
        fmt::format("{}{} <small>by {}</small>", load_text(sweep.knee->load, sweep.load_unit),
                    benchmark_at(report, sweep.knee->index),
                    criterion_text(sweep.knee->criterion)));
  } else {
    append_meta(out, "knee", "none: no load held");
  }
  if (sweep.first_wall) {
    append_meta(out, "first wall",
                fmt::format("{} at {}{}", wall_badge(sweep.first_wall->wall),
                            load_text(sweep.first_wall->load, sweep.load_unit),
                            benchmark_at(report, sweep.first_wall->index)));
  } else {
    append_meta(out, "first wall", "none: headroom at every load");
  }
  if (sweep.tpot_slope) {
    const telemetry::TpotSlope& slope = *sweep.tpot_slope;
    append_meta(
        out, "TPOT slope",
        fmt::format("{} ms per request in flight, {}× from {} to {} in flight{}",
                    format_ms(slope.ms_per_request), format_fixed(slope.growth, 2),
                    format_fixed(slope.concurrency_low, 1), format_fixed(slope.concurrency_high, 1),
                    slope.rising ? " (rising with the batch)" : ""));
  }
  out += "</dl>\n";
  out += evidence_details(sweep.evidence);
  out += "</div>\n";
}

void append_benchmarks(std::string& out, const Report& report) {
  static constexpr Column kColumns[] = {
      {"", "benchmark", true},
      {"", "wall", true},
      {"", "verdict, remedy and evidence", false, true},
  };
  std::vector<std::vector<Cell>> rows;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    std::vector<Cell> row{text_cell(benchmark_name(benchmark))};
    if (!benchmark.diagnosis) {
      row.push_back(absent_cell());
      row.push_back(absent_cell());
      rows.push_back(std::move(row));
      continue;
    }
    const telemetry::Diagnosis& diagnosis = *benchmark.diagnosis;
    std::string wall = wall_badge(diagnosis.wall);
    if (diagnosis.client_data_only) wall += "<br><span class=\"flag\">client data only</span>";
    row.push_back({std::move(wall), false});
    std::string text = xml_escape(diagnosis.verdict);
    if (!diagnosis.remedy.empty()) {
      fmt::format_to(std::back_inserter(text), "<div class=\"remedy\">Remedy: {}</div>",
                     xml_escape(diagnosis.remedy));
    }
    text += evidence_details(diagnosis.evidence);
    row.push_back({std::move(text), false});
    rows.push_back(std::move(row));
  }
  append_table(out, kColumns, rows);
}

bool diagnosed(const Report& report) {
  if (report.sweep_diagnosis) return true;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    if (benchmark.diagnosis) return true;
  }
  return false;
}

}  // namespace

void append_diagnosis_section(std::string& out, std::span<const PageRun> runs) {
  out += "<section>\n<h2>Diagnosis</h2>\n";
  bool any = false;
  for (const PageRun& run : runs) {
    const Report& report = *run.report;
    if (runs.size() > 1) {
      fmt::format_to(std::back_inserter(out), "<h3>{}</h3>\n", xml_escape(run.label));
    }
    if (!diagnosed(report)) {
      out +=
          "<p class=\"explain\">Not diagnosed: the report has no diagnosis (written before "
          "llmpace diagnosed its benchmarks).</p>\n";
      continue;
    }
    any = true;
    if (report.sweep_diagnosis) append_sweep(out, report);
    append_benchmarks(out, report);
  }
  if (any) {
    out +=
        "<p class=\"explain\">Which wall each benchmark hit, from the client's figures and, when "
        "scraped, the server's and the GPUs'; the first rule that fires is the verdict. "
        "<em>client data only</em>: no server or GPU telemetry was read. Rules and thresholds: "
        "docs/diagnosis.md.</p>\n";
  }
  out += "</section>\n";
}

}  // namespace llmpace::report::html
