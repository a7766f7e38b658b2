// HTML report: header, summary cards, the benchmark table with notes, five inline SVG charts and
// a footer, styled by one inline <style>; the Diagnosis and Server and GPU sections come from
// html_diagnosis.cpp and html_telemetry.cpp (html_sections.hpp). Every text that comes from a
// report is escaped.
#include "llmpace/report/html_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>

#include "html_sections.hpp"
#include "llmpace/core/version.hpp"
#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/svg_chart.hpp"

namespace llmpace::report {
namespace {

using metrics::BenchmarkMetrics;
using metrics::DistributionSummary;
using svg::xml_escape;

/// Latency distributions drawn: evenly spread benchmarks, first and last included.
constexpr std::size_t kDistributionBenchmarks = 5;
constexpr std::size_t kDistributionBenchmarksPerRunCompared = 4;  // one dash style each
/// A "vs rate" chart switches to a log y axis when its values span more than this factor.
constexpr double kLogScaleRatio = 50;
constexpr int kChartWidth = 600;
/// Error and usage messages are one line of at most this many characters (the page wraps them).
constexpr std::size_t kMessageColumns = 300;

constexpr std::string_view kStyle = R"(
:root { --fg: #1f2933; --muted: #52606d; --line: #d9e2ec; --soft: #f5f7fa; --warn: #e69f00;
  --warn-bg: #fff6e0; --bad: #d55e00; --bad-bg: #fdeee6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 32px; }
h1 { font-size: 24px; margin: 0 0 2px; letter-spacing: -0.01em; }
h1 .label { color: var(--muted); font-weight: 500; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 14px 0 6px; }
.meta { display: flex; flex-wrap: wrap; gap: 2px 22px; margin: 6px 0 0; color: var(--muted); }
.meta div { display: flex; gap: 6px; }
.meta dt { font-weight: 400; }
.meta dd { margin: 0; color: var(--fg); font-weight: 600; overflow-wrap: anywhere; }
.banner { margin: 12px 0 0; padding: 8px 12px; border-left: 4px solid var(--bad);
  background: var(--bad-bg); border-radius: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; }
.card { padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px;
  background: var(--soft); }
.card .k { font-size: 12px; color: var(--muted); }
.card .v { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums;
  line-height: 1.3; }
.card .v small { font-size: 13px; font-weight: 500; color: var(--muted); }
.card .s { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.card.warn { background: var(--warn-bg); border-color: var(--warn); }
.card.bad { background: var(--bad-bg); border-color: var(--bad); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px;
  font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; text-align: right; white-space: nowrap;
  border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); font-weight: 600; vertical-align: bottom; }
thead tr.groups th { border-bottom: none; padding-bottom: 0; color: var(--muted); font-weight: 500;
  text-align: center; }
thead tr.groups th.g { border-bottom: 1px solid var(--line); }
th.l, td.l { text-align: left; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
tbody tr.first-of-run td { border-top: 2px solid var(--line); }
td.na { color: #9aa5b1; }
td.wrap { white-space: normal; min-width: 9em; max-width: 16em; overflow-wrap: anywhere; }
.flag { display: inline-block; white-space: nowrap; padding: 0 6px; border-radius: 9px;
  font-size: 11px; background: #e4e7eb; color: var(--fg); }
.flag.warn { background: #fde2a8; }
.flag.bad { background: #f8c9b0; }
.stop { color: var(--muted); font-size: 11.5px; }
.notes { margin: 8px 0 0; padding-left: 18px; color: var(--muted); font-size: 12.5px; }
.explain { color: var(--muted); font-size: 12.5px; margin: 8px 0 0; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
figure { margin: 0; padding: 10px 10px 8px; border: 1px solid var(--line); border-radius: 8px;
  break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { margin-top: 4px; font-size: 12px; color: var(--muted); }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 12px; }
@media (max-width: 960px) { .charts { grid-template-columns: minmax(0, 1fr); } }
@media print {
  @page { margin: 12mm; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .card, tr { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 9.5px; }
  th, td { padding: 2px 3px; }
  .charts { grid-template-columns: minmax(0, 1fr); }
  figure { max-width: 170mm; }
}
)";

// ---- numbers: number_format.hpp (its default: a NaN shows as "-") ------------------------------

bool has_samples(const DistributionSummary& summary) { return summary.count > 0; }

// ---- runs -------------------------------------------------------------------------------------

using Run = html::PageRun;  // label as shown: "run N" for an unnamed run of a comparison

std::vector<Run> name_runs(const std::vector<LabelledReport>& runs) {
  std::vector<Run> named;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::string label = runs[i].label;
    if (label.empty() && runs.size() > 1) label = fmt::format("run {}", i + 1);
    named.push_back({std::move(label), &runs[i].report, i});
  }
  return named;
}

// ---- header -----------------------------------------------------------------------------------

void append_meta_item(std::string& out, std::string_view name, const std::string& value) {
  fmt::format_to(std::back_inserter(out), "<div><dt>{}</dt><dd>{}</dd></div>", name,
                 xml_escape(value));
}

void append_meta(std::string& out, const Run& run) {
  const Report& report = *run.report;
  out += "<dl class=\"meta\">";
  for (const char* key : {"target", "model", "api"}) {
    if (const auto value = run_text(report.run, key)) append_meta_item(out, key, *value);
  }
  append_meta_item(out, "benchmarks", std::to_string(report.benchmarks.size()));
  if (!report.created_at.empty()) append_meta_item(out, "created", report.created_at);
  if (!report.llmpace_version.empty()) append_meta_item(out, "llmpace", report.llmpace_version);
  out += "</dl>\n";
}

void append_header(std::string& out, const std::vector<Run>& runs) {
  out += "<header>\n";
  if (runs.size() == 1) {
    const std::string& label = runs[0].label;
    fmt::format_to(std::back_inserter(out), "<h1>llmpace report{}</h1>\n",
                   label.empty() ? "" : " <span class=\"label\">" + xml_escape(label) + "</span>");
    append_meta(out, runs[0]);
  } else {
    fmt::format_to(std::back_inserter(out),
                   "<h1>llmpace comparison <span class=\"label\">{} runs"
                   "</span></h1>\n",
                   runs.size());
    for (const Run& run : runs) {
      fmt::format_to(std::back_inserter(out), "<h3>{}</h3>\n", xml_escape(run.label));
      append_meta(out, run);
    }
  }
  for (const Run& run : runs) {
    if (!run.report->interrupted) continue;
    fmt::format_to(std::back_inserter(out),
                   "<p class=\"banner\"><strong>Interrupted.</strong> {}stopped by a signal: the "
                   "results cover the part that ran.</p>\n",
                   runs.size() > 1 ? "Run " + xml_escape(run.label) + " was " : "The run was ");
  }
  out += "</header>\n";
}

// ---- summary cards ----------------------------------------------------------------------------

void append_card(std::string& out, std::string_view css_class, std::string_view key,
                 const std::string& value_html, const std::string& sub_html) {
  fmt::format_to(std::back_inserter(out),
                 "<div class=\"card{}{}\"><div class=\"k\">{}</div><div class=\"v\">{}</div>",
                 css_class.empty() ? "" : " ", css_class, key, value_html);
  if (!sub_html.empty())
    fmt::format_to(std::back_inserter(out), "<div class=\"s\">{}</div>", sub_html);
  out += "</div>\n";
}

/// The benchmark with the largest `value`, or null when there is none.
template <typename Value>
const BenchmarkReport* best_benchmark(const Report& report, Value value) {
  const BenchmarkReport* best = nullptr;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    if (!std::isfinite(value(benchmark))) continue;
    if (best == nullptr || value(benchmark) > value(*best)) best = &benchmark;
  }
  return best;
}

void append_cards(std::string& out, const Run& run) {
  const Report& report = *run.report;
  metrics::RequestCounts totals;
  std::vector<std::string> client_limited;
  std::optional<double> ttft_low;
  std::optional<double> ttft_high;
  std::size_t ttft_benchmarks = 0;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    const BenchmarkMetrics& m = benchmark.metrics;
    totals.successful += m.requests.successful;
    totals.errored += m.requests.errored;
    totals.incomplete += m.requests.incomplete;
    if (m.client_limited) client_limited.push_back(benchmark_name(benchmark));
    if (has_samples(m.ttft_ms) && std::isfinite(m.ttft_ms.p50)) {
      ttft_low = std::min(ttft_low.value_or(m.ttft_ms.p50), m.ttft_ms.p50);
      ttft_high = std::max(ttft_high.value_or(m.ttft_ms.p50), m.ttft_ms.p50);
      ++ttft_benchmarks;
    }
  }

  out += "<div class=\"cards\">\n";
  append_card(out, "", "Benchmarks", std::to_string(report.benchmarks.size()), "");
  append_card(out, "", "Successful requests", std::to_string(totals.successful), "");
  append_card(out, totals.errored > 0 ? "bad" : "", "Errored requests",
              std::to_string(totals.errored), "");
  append_card(out, "", "Incomplete requests", std::to_string(totals.incomplete),
              totals.incomplete > 0 ? "cancelled when a benchmark stopped" : "");

  const auto output_rate = [](const BenchmarkReport& b) {
    return b.metrics.throughput.output_tokens_per_s;
  };
  const auto request_rate = [](const BenchmarkReport& b) {
    return b.metrics.throughput.requests_per_s;
  };
  if (const BenchmarkReport* best = best_benchmark(report, output_rate)) {
    append_card(out, "", "Best output throughput",
                format_fixed(output_rate(*best), 1) + " <small>tok/s</small>",
                "in " + xml_escape(benchmark_name(*best)));
  } else {
    append_card(out, "", "Best output throughput", "-", "");
  }
  if (const BenchmarkReport* best = best_benchmark(report, request_rate)) {
    append_card(out, "", "Best request rate",
                format_fixed(request_rate(*best), 2) + " <small>req/s</small>",
                "in " + xml_escape(benchmark_name(*best)));
  } else {
    append_card(out, "", "Best request rate", "-", "");
  }
  if (ttft_low) {
    const std::string range = *ttft_low == *ttft_high
                                  ? format_ms(*ttft_low)
                                  : format_ms(*ttft_low) + " – " + format_ms(*ttft_high);
    append_card(out, "", "TTFT p50", range + " <small>ms</small>",
                ttft_benchmarks > 1 ? fmt::format("range over {} benchmarks", ttft_benchmarks)
                                    : std::string());
  } else {
    append_card(out, "", "TTFT p50", "-", "no first token measured");
  }
  if (!client_limited.empty()) {
    std::string names;
    for (const std::string& name : client_limited) {
      if (!names.empty()) names += ", ";
      names += name;
    }
    append_card(out, "warn", "Client-limited", std::to_string(client_limited.size()),
                xml_escape(names) + " fell behind the schedule (see the notes)");
  }
  out += "</div>\n";
}

void append_summary(std::string& out, const std::vector<Run>& runs) {
  out += "<section>\n<h2>Summary</h2>\n";
  for (const Run& run : runs) {
    if (runs.size() > 1)
      fmt::format_to(std::back_inserter(out), "<h3>{}</h3>\n", xml_escape(run.label));
    append_cards(out, run);
  }
  out += "</section>\n";
}

// ---- table ------------------------------------------------------------------------------------

struct Column {
  std::string_view group;  // shared label over consecutive columns, empty for none
  std::string_view name;
  bool left = false;
  bool wrap = false;  // text that may be long (run labels, flags) wraps instead of widening
};

struct Cell {
  std::string html;
  bool na = false;  // a dash for a missing value, shown dimmed
};

Cell absent_cell() { return {std::string(kAbsent), true}; }

Cell text_cell(std::string text) {
  const bool na = text == kAbsent;
  return {xml_escape(text), na};
}

Cell ms_cell(const DistributionSummary& summary, double value) {
  return has_samples(summary) ? text_cell(format_ms(value)) : absent_cell();
}

bool any_goodput(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (benchmark.metrics.goodput) return true;
    }
  }
  return false;
}

std::vector<Column> table_columns(bool comparison, bool goodput) {
  std::vector<Column> columns;
  if (comparison) columns.push_back({"", "run", true, true});
  columns.insert(columns.end(), {
                                    {"", "profile", true},
                                    {"", "rate", false},
                                    {"throughput", "req/s", false},
                                    {"throughput", "out tok/s", false},
                                    {"TTFT ms", "p50", false},
                                    {"TTFT ms", "p99", false},
                                    {"ITL ms", "p50", false},
                                    {"ITL ms", "p99", false},
                                    {"ITL mean ms", "p50", false},
                                    {"TPOT ms", "p50", false},
                                    {"latency ms", "p50", false},
                                    {"latency ms", "p99", false},
                                    {"concurrency", "mean", false},
                                    {"requests", "ok", false},
                                    {"requests", "errors", false},
                                });
  if (goodput) columns.push_back({"", "goodput", false});
  columns.push_back({"", "stop / flags", true, true});
  return columns;
}

std::vector<Cell> row_cells(const Run& run, const BenchmarkReport& benchmark, bool comparison,
                            bool goodput) {
  const BenchmarkMetrics& m = benchmark.metrics;
  std::vector<Cell> cells;
  if (comparison) cells.push_back(text_cell(run.label));
  cells.push_back(text_cell(std::string(to_string(benchmark.profile))));
  cells.push_back(text_cell(format_rate(benchmark.rate)));
  cells.push_back(text_cell(format_fixed(m.throughput.requests_per_s, 2)));
  cells.push_back(text_cell(format_fixed(m.throughput.output_tokens_per_s, 1)));
  cells.push_back(ms_cell(m.ttft_ms, m.ttft_ms.p50));
  cells.push_back(ms_cell(m.ttft_ms, m.ttft_ms.p99));
  cells.push_back(ms_cell(m.itl_ms, m.itl_ms.p50));
  cells.push_back(ms_cell(m.itl_ms, m.itl_ms.p99));
  cells.push_back(ms_cell(m.itl_mean_ms, m.itl_mean_ms.p50));
  cells.push_back(ms_cell(m.tpot_ms, m.tpot_ms.p50));
  cells.push_back(ms_cell(m.latency_ms, m.latency_ms.p50));
  cells.push_back(ms_cell(m.latency_ms, m.latency_ms.p99));
  cells.push_back(text_cell(format_fixed(m.concurrency.mean, 1)));
  cells.push_back(text_cell(std::to_string(m.requests.successful)));
  if (m.requests.errored > 0) {
    cells.push_back({fmt::format("<span title=\"{}\">{}</span>", xml_escape(error_kinds_text(m)),
                                 m.requests.errored),
                     false});
  } else {
    cells.push_back(text_cell("0"));
  }
  if (goodput) {
    if (m.goodput) {
      cells.push_back({fmt::format("<span title=\"SLO {}\">{}%</span>", xml_escape(m.goodput->slo),
                                   format_fixed(m.goodput->fraction * 100, 1)),
                       false});
    } else {
      cells.push_back(absent_cell());
    }
  }
  std::string flags;
  if (benchmark.interrupted) flags += "<span class=\"flag bad\">interrupted</span> ";
  if (m.client_limited) flags += "<span class=\"flag warn\">client-limited</span> ";
  fmt::format_to(std::back_inserter(flags), "<span class=\"stop\">{}</span>",
                 xml_escape(benchmark.stop_reason));
  cells.push_back({flags, false});
  return cells;
}

void append_table_head(std::string& out, const std::vector<Column>& columns) {
  out += "<thead>\n<tr class=\"groups\">";
  for (std::size_t i = 0; i < columns.size();) {
    std::size_t end = i + 1;
    while (end < columns.size() && columns[end].group == columns[i].group) ++end;
    const bool grouped = !columns[i].group.empty();
    if (grouped) {
      fmt::format_to(std::back_inserter(out), "<th class=\"g\" colspan=\"{}\">{}</th>", end - i,
                     columns[i].group);
    } else {
      for (std::size_t j = i; j < end; ++j) out += "<th></th>";
    }
    i = end;
  }
  out += "</tr>\n<tr>";
  for (const Column& column : columns) {
    fmt::format_to(std::back_inserter(out), "<th{}>{}</th>", column.left ? " class=\"l\"" : "",
                   column.name);
  }
  out += "</tr>\n</thead>\n";
}

/// Notes under the table: what did not succeed and how the benchmarks ran.
std::vector<std::string> table_notes(const std::vector<Run>& runs) {
  std::vector<std::string> notes;
  bool counted_tokens = false;
  for (const Run& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const BenchmarkMetrics& m = benchmark.metrics;
      const std::string name =
          xml_escape(runs.size() > 1 ? run.label + " · " + benchmark_name(benchmark)
                                     : benchmark_name(benchmark));
      if (m.requests.errored > 0) {
        // Every kind with its count and first message, as a list under the note.
        std::string kinds;
        for (const auto& [kind, count] : m.errors_by_kind) {
          fmt::format_to(std::back_inserter(kinds), "<li>{}</li>",
                         xml_escape(error_kind_text(m, kind, kMessageColumns)));
        }
        notes.push_back(fmt::format(
            "{}: {} errored ({}){}", name, m.requests.errored, xml_escape(error_kinds_text(m)),
            kinds.empty() ? std::string() : fmt::format("<ul>{}</ul>", kinds)));
      }
      if (m.usage_problems.requests > 0) {
        notes.push_back(fmt::format(
            "{}: {}", name, xml_escape(usage_problems_text(m.usage_problems, kMessageColumns))));
      }
      if (m.requests.incomplete > 0) {
        notes.push_back(fmt::format("{}: {} incomplete (cancelled when the benchmark stopped)",
                                    name, m.requests.incomplete));
      }
      if (m.client_limited) {
        notes.push_back(fmt::format(
            "{}: <strong>client-limited</strong>: dispatch lag p99 {} ms exceeds {:g} ms; TTFT "
            "from the schedule p50 {} / p99 {} ms",
            name, format_ms(m.dispatch_lag_ms.p99), metrics::kClientLimitedDispatchLagP99Ms,
            format_ms(m.ttft_from_scheduled_ms.p50), format_ms(m.ttft_from_scheduled_ms.p99)));
      }
      if (m.requests.waited_for_slot > 0) {
        notes.push_back(fmt::format("{}: {} waited for a concurrency slot (send lag p99 {} ms)",
                                    name, m.requests.waited_for_slot,
                                    format_ms(m.send_lag_ms.p99)));
      }
      if (m.requests.dropped > 0) {
        notes.push_back(
            fmt::format("{}: {} dropped at the concurrency cap", name, m.requests.dropped));
      }
      if (m.requests.warmup > 0 || m.requests.cooldown > 0) {
        notes.push_back(fmt::format("{}: {} warmup and {} cooldown requests left out", name,
                                    m.requests.warmup, m.requests.cooldown));
      }
      if (const std::string names = approximate_distributions(m, ", "); !names.empty()) {
        notes.push_back(
            fmt::format("{}: percentiles of {} from histograms, within 0.1 %", name, names));
      }
      if (m.concurrency.max_is_upper_bound) {
        notes.push_back(fmt::format(
            "{}: concurrency max is an upper bound (the sum of the shards' maxima)", name));
      }
      if (m.goodput) {
        notes.push_back(fmt::format(
            "{}: goodput {} of {} requests met the SLO {}", name, m.goodput->requests_met,
            m.requests.successful + m.requests.errored, xml_escape(m.goodput->slo)));
      }
      counted_tokens = counted_tokens || m.output_tokens_source == "chunk_count" ||
                       m.output_tokens_source == "mixed";
    }
  }
  if (counted_tokens) {
    notes.push_back(
        "Some output tokens were counted one per chunk because the server sent no usage (or a bad "
        "one): token counts and tok/s may be low.");
  }
  return notes;
}

void append_table(std::string& out, const std::vector<Run>& runs) {
  const bool comparison = runs.size() > 1;
  const bool goodput = any_goodput(runs);
  const std::vector<Column> columns = table_columns(comparison, goodput);
  out += "<section>\n<h2>Benchmarks</h2>\n<div class=\"table-wrap\"><table>\n";
  append_table_head(out, columns);
  out += "<tbody>\n";
  for (const Run& run : runs) {
    bool first = true;
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const std::vector<Cell> cells = row_cells(run, benchmark, comparison, goodput);
      out += comparison && first && run.index > 0 ? "<tr class=\"first-of-run\">" : "<tr>";
      first = false;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        std::string classes = columns[i].left ? "l" : "";
        for (const auto& [wanted, name] :
             {std::pair{columns[i].wrap, "wrap"}, std::pair{cells[i].na, "na"}}) {
          if (!wanted) continue;
          if (!classes.empty()) classes += ' ';
          classes += name;
        }
        fmt::format_to(std::back_inserter(out), "<td{}>{}</td>",
                       classes.empty() ? "" : " class=\"" + classes + "\"", cells[i].html);
      }
      out += "</tr>\n";
    }
  }
  out += "</tbody>\n</table></div>\n";
  out +=
      "<p class=\"explain\">Times in ms, over successful requests. TTFT: sent → first content or "
      "reasoning token. ITL: every gap between token chunks, pooled. ITL mean: per request, "
      "(last − first token chunk) / (tokens − 1). TPOT: per request, (end − first token) / "
      "(tokens − 1). Latency: sent → end of stream. Rates: successful requests and their output "
      "tokens per second.</p>\n";
  const std::vector<std::string> notes = table_notes(runs);
  if (!notes.empty()) {
    out += "<ul class=\"notes\">\n";
    for (const std::string& note : notes) {
      fmt::format_to(std::back_inserter(out), "<li>{}</li>\n", note);
    }
    out += "</ul>\n";
  }
  out += "</section>\n";
}

// ---- charts -----------------------------------------------------------------------------------

std::string series_name(const std::vector<Run>& runs, const Run& run, const std::string& name) {
  if (runs.size() == 1) return name;
  return name.empty() ? run.label : run.label + " · " + name;
}

/// Whether the values span enough orders of magnitude to want a log axis.
bool wants_log_scale(const std::vector<svg::Series>& series) {
  double low = std::numeric_limits<double>::infinity();
  double high = 0;
  for (const svg::Series& item : series) {
    for (const svg::Point& point : item.points) {
      if (!std::isfinite(point.y) || point.y <= 0) continue;
      low = std::min(low, point.y);
      high = std::max(high, point.y);
    }
  }
  return high > 0 && high / low > kLogScaleRatio;
}

void sort_by_x(std::vector<svg::Point>& points) {
  std::stable_sort(points.begin(), points.end(),
                   [](const svg::Point& a, const svg::Point& b) { return a.x < b.x; });
}

/// p50 and p99 of a distribution against the achieved request rate: p50 solid, p99 dashed; one
/// colour per run in a comparison, one per percentile otherwise.
svg::LineChart percentiles_vs_rate(const std::vector<Run>& runs, std::string_view title,
                                   DistributionSummary BenchmarkMetrics::*member) {
  svg::LineChart chart;
  chart.title = title;
  chart.x_label = "achieved request rate (successful req/s)";
  chart.y_label = "ms";
  chart.x_from_zero = true;
  chart.markers = svg::Markers::always;
  chart.width = kChartWidth;
  const bool comparison = runs.size() > 1;
  for (const Run& run : runs) {
    svg::Series p50{.name = series_name(runs, run, "p50"),
                    .points = {},
                    .color = comparison ? run.index : 0,
                    .dash = svg::Dash::solid,
                    .marker = svg::MarkerShape::circle};
    svg::Series p99{.name = series_name(runs, run, "p99"),
                    .points = {},
                    .color = comparison ? run.index : 1,
                    .dash = svg::Dash::dashed,
                    .marker = svg::MarkerShape::square};
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const DistributionSummary& summary = benchmark.metrics.*member;
      if (!has_samples(summary)) continue;
      const double rate = benchmark.metrics.throughput.requests_per_s;
      p50.points.push_back({rate, summary.p50});
      p99.points.push_back({rate, summary.p99});
    }
    sort_by_x(p50.points);
    sort_by_x(p99.points);
    chart.series.push_back(std::move(p50));
    chart.series.push_back(std::move(p99));
  }
  chart.log_y = wants_log_scale(chart.series);
  return chart;
}

svg::LineChart throughput_vs_rate(const std::vector<Run>& runs, std::string_view title) {
  svg::LineChart chart;
  chart.title = title;
  chart.x_label = "achieved request rate (successful req/s)";
  chart.y_label = "output tokens/s";
  chart.x_from_zero = true;
  chart.markers = svg::Markers::always;
  chart.width = kChartWidth;
  for (const Run& run : runs) {
    svg::Series series{.name = series_name(runs, run, runs.size() > 1 ? "" : "output tokens/s"),
                       .points = {},
                       .color = run.index,
                       .dash = svg::Dash::solid,
                       .marker = svg::MarkerShape::circle};
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const metrics::Throughput& throughput = benchmark.metrics.throughput;
      if (benchmark.metrics.requests.successful == 0) continue;
      series.points.push_back({throughput.requests_per_s, throughput.output_tokens_per_s});
    }
    sort_by_x(series.points);
    chart.series.push_back(std::move(series));
  }
  return chart;
}

/// At most `limit` of `count` indices, evenly spread, the first and the last always included.
std::vector<std::size_t> spread_indices(std::size_t count, std::size_t limit) {
  std::vector<std::size_t> indices;
  if (count <= limit) {
    for (std::size_t i = 0; i < count; ++i) indices.push_back(i);
    return indices;
  }
  for (std::size_t k = 0; k < limit; ++k) {
    const std::size_t index = static_cast<std::size_t>(std::lround(
        static_cast<double>(k) * static_cast<double>(count - 1) / static_cast<double>(limit - 1)));
    if (indices.empty() || indices.back() != index) indices.push_back(index);
  }
  return indices;
}

/// Styles of the k-th series of a run: by colour in a single run, by dash and marker within the
/// run's colour in a comparison.
void style_series(svg::Series& series, const std::vector<Run>& runs, const Run& run,
                  std::size_t k) {
  if (runs.size() == 1) {
    series.color = k % svg::kPalette.size();
    series.dash = static_cast<svg::Dash>((k / svg::kPalette.size()) % 4);
    series.marker = svg::MarkerShape::circle;
  } else {
    series.color = run.index;
    series.dash = static_cast<svg::Dash>(k % 4);
    series.marker = static_cast<svg::MarkerShape>(k % 4);
  }
}

/// Percentile label as in the charts: rank 0.1 -> "p0.1".
std::string percentile_label(double rank) { return fmt::format("p{:g}", rank); }

struct DistributionChart {
  svg::LineChart chart;
  std::size_t shown = 0;
  std::size_t total = 0;
};

DistributionChart latency_distribution(const std::vector<Run>& runs, std::string_view title) {
  DistributionChart result;
  svg::LineChart& chart = result.chart;
  chart.title = title;
  chart.x_label = "percentile";
  chart.y_label = "latency ms";
  chart.width = kChartWidth;
  for (std::size_t i = 0; i < metrics::kPercentileFields.size(); ++i) {
    chart.x_ticks.push_back(
        {static_cast<double>(i), percentile_label(metrics::kPercentileFields[i].rank)});
  }
  const std::size_t limit =
      runs.size() > 1 ? kDistributionBenchmarksPerRunCompared : kDistributionBenchmarks;
  for (const Run& run : runs) {
    std::vector<const BenchmarkReport*> measured;
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (has_samples(benchmark.metrics.latency_ms)) measured.push_back(&benchmark);
    }
    result.total += measured.size();
    const std::vector<std::size_t> chosen = spread_indices(measured.size(), limit);
    result.shown += chosen.size();
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const BenchmarkReport& benchmark = *measured[chosen[k]];
      svg::Series series;
      series.name = series_name(runs, run, benchmark_name(benchmark));
      style_series(series, runs, run, k);
      for (std::size_t i = 0; i < metrics::kPercentileFields.size(); ++i) {
        series.points.push_back({static_cast<double>(i), benchmark.metrics.latency_ms.*
                                                             metrics::kPercentileFields[i].member});
      }
      chart.series.push_back(std::move(series));
    }
  }
  return result;
}

svg::LineChart concurrency_over_time(const std::vector<Run>& runs, std::string_view title) {
  svg::LineChart chart;
  chart.title = title;
  chart.x_label = "seconds from the benchmark start";
  chart.y_label = "requests in flight";
  chart.x_from_zero = true;
  chart.width = kChartWidth;
  for (const Run& run : runs) {
    std::size_t k = 0;
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      const BenchmarkMetrics& m = benchmark.metrics;
      if (m.timeline.empty()) continue;
      svg::Series series;
      series.name = series_name(runs, run, benchmark_name(benchmark));
      style_series(series, runs, run, k++);
      for (const metrics::TimelinePoint& point : m.timeline) {
        // A bucket's mean belongs at its middle; the last bucket ends with the benchmark.
        const double end =
            std::min(point.start_s + m.timeline_bucket_s, std::max(m.duration_s, point.start_s));
        series.points.push_back({(point.start_s + end) / 2, point.concurrency_mean});
      }
      chart.series.push_back(std::move(series));
    }
  }
  return chart;
}

/// The bucket length shared by every timeline, or nothing when they differ or there is none.
std::optional<double> common_bucket_s(const std::vector<Run>& runs) {
  std::optional<double> bucket;
  for (const Run& run : runs) {
    for (const BenchmarkReport& benchmark : run.report->benchmarks) {
      if (benchmark.metrics.timeline.empty()) continue;
      if (bucket && *bucket != benchmark.metrics.timeline_bucket_s) return std::nullopt;
      bucket = benchmark.metrics.timeline_bucket_s;
    }
  }
  return bucket;
}

void append_figure(std::string& out, const svg::LineChart& chart, const std::string& caption) {
  fmt::format_to(std::back_inserter(out), "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n",
                 svg::render_line_chart(chart), caption);
}

void append_charts(std::string& out, const std::vector<Run>& runs) {
  const bool comparison = runs.size() > 1;
  const std::string styles =
      comparison ? "Colour: run. Solid: p50, dashed: p99. " : "Solid: p50, dashed: p99. ";
  out += "<section>\n<h2>Charts</h2>\n<div class=\"charts\">\n";
  append_figure(out, percentiles_vs_rate(runs, kHtmlChartTitles[0], &BenchmarkMetrics::ttft_ms),
                styles +
                    "One point per benchmark, at its achieved rate. TTFT: sent → first content or "
                    "reasoning token.");
  append_figure(out, percentiles_vs_rate(runs, kHtmlChartTitles[1], &BenchmarkMetrics::itl_ms),
                styles + "ITL: every gap between consecutive token chunks, pooled over requests.");
  append_figure(out, throughput_vs_rate(runs, kHtmlChartTitles[2]),
                std::string(comparison ? "Colour: run. " : "") +
                    "Output tokens per second of successful requests, one point per benchmark.");
  const DistributionChart distribution = latency_distribution(runs, kHtmlChartTitles[3]);
  std::string distribution_caption =
      "Percentiles of the end-to-end latency (sent → end of stream) of successful requests";
  if (distribution.shown < distribution.total) {
    fmt::format_to(std::back_inserter(distribution_caption),
                   "; {} of {} benchmarks shown (the first, the last and evenly spaced between)",
                   distribution.shown, distribution.total);
  }
  distribution_caption += comparison ? ". Colour: run; dash: benchmark." : ".";
  append_figure(out, distribution.chart, distribution_caption);
  const std::optional<double> bucket = common_bucket_s(runs);
  append_figure(out, concurrency_over_time(runs, kHtmlChartTitles[4]),
                fmt::format("Mean requests in flight per timeline bucket{} of each benchmark's "
                            "measured window.{}",
                            bucket ? fmt::format(" ({:g} s)", *bucket) : std::string(),
                            comparison ? " Colour: run; dash: benchmark." : ""));
  out += "</div>\n</section>\n";
}

// ---- page -------------------------------------------------------------------------------------

std::string page_title(const std::vector<Run>& runs) {
  if (runs.size() > 1) {
    std::string labels;
    for (const Run& run : runs) {
      if (!labels.empty()) labels += " vs ";
      labels += run.label;
    }
    return "llmpace comparison: " + labels;
  }
  if (runs.empty()) return "llmpace report";
  const auto model = run_text(runs[0].report->run, "model");
  return model ? "llmpace report: " + *model : "llmpace report";
}

bool any_benchmark(const std::vector<Run>& runs) {
  return std::any_of(runs.begin(), runs.end(),
                     [](const Run& run) { return !run.report->benchmarks.empty(); });
}

}  // namespace

std::string render_html(const std::vector<LabelledReport>& labelled_runs) {
  const std::vector<Run> runs = name_runs(labelled_runs);
  std::string out;
  out.reserve(64 * 1024);
  fmt::format_to(std::back_inserter(out),
                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta name=\"generator\" content=\"llmpace {}\">\n<title>{}</title>\n"
                 "<style>{}{}</style>\n</head>\n<body>\n<main>\n",
                 xml_escape(kVersion), xml_escape(page_title(runs)), kStyle, html::kSectionsStyle);
  if (runs.empty()) {
    out += "<h1>llmpace report</h1>\n<p>No runs.</p>\n";
  } else {
    append_header(out, runs);
    if (any_benchmark(runs)) {
      append_summary(out, runs);
      html::append_diagnosis_section(out, runs);
      append_table(out, runs);
      append_charts(out, runs);
      html::append_telemetry_section(out, runs);
    } else {
      out += "<p>No benchmarks ran.</p>\n";
    }
  }
  fmt::format_to(std::back_inserter(out),
                 "<footer>Written by llmpace {}. Metric definitions (TTFT, ITL, ITL mean, TPOT, "
                 "latency, lags, client-limited, goodput): docs/metrics.md in the llmpace sources. "
                 "JSON fields: docs/report-schema.md.</footer>\n</main>\n</body>\n</html>\n",
                 xml_escape(kVersion));
  return out;
}

}  // namespace llmpace::report
