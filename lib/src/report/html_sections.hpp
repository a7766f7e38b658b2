// Sections of the HTML report beyond the client's own figures (private to the report module):
// "Diagnosis" (html_diagnosis.cpp): the sweep's knee and first wall, and per benchmark its wall
// as a coloured badge, verdict, remedy and evidence; "Server and GPU" (html_telemetry.cpp): the
// server's and GPUs' figures as tables, their notes, and charts over each benchmark's clock
// (html_telemetry_charts.cpp). render_html (html_writer.cpp) calls them and adds kSectionsStyle to
// the page's one <style>. Every text taken from a report is XML-escaped.
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "llmpace/report/report.hpp"

namespace llmpace::report::html {

/// One run of the page: its label as shown ("run N" for an unnamed run of a comparison) and its
/// report, which must outlive the call; `index` is its position among the page's runs.
struct PageRun {
  std::string label;
  const Report* report = nullptr;
  std::size_t index = 0;
};

/// The CSS the two sections add to the page's <style>.
inline constexpr std::string_view kSectionsStyle = R"(
.sweep { margin: 0 0 10px; padding: 8px 12px; border: 1px solid var(--line); border-radius: 8px;
  background: var(--soft); }
.sweep p { margin: 0 0 4px; }
.wall { display: inline-block; white-space: nowrap; padding: 0 7px; border-radius: 9px;
  font-size: 11.5px; font-weight: 600; }
.wall.bad { background: #f8c9b0; }
.wall.warn { background: #fde2a8; }
.wall.ok { background: #c8ecdc; }
td.text { white-space: normal; text-align: left; min-width: 22em; overflow-wrap: anywhere; }
.remedy { color: var(--muted); margin-top: 2px; }
details { margin-top: 2px; }
summary { cursor: pointer; color: var(--muted); font-size: 12px; }
summary.h3 { margin: 14px 0 6px; color: var(--fg); font-size: 14px; font-weight: 600; }
summary.h3 small { color: var(--muted); font-weight: 400; }
details ul { margin: 4px 0 2px; padding-left: 18px; font-size: 12px; }
td small { color: var(--muted); font-size: 10.5px; }
)";

/// "Diagnosis": for each run, the sweep's verdict (knee, first wall, TPOT slope) and a table of
/// each benchmark's wall, verdict, remedy and evidence; one line when nothing was diagnosed.
void append_diagnosis_section(std::string& out, std::span<const PageRun> runs);

/// "Server and GPU": tables of the server's figures (KV cache, queue, tokens/s beside the
/// client's), each GPU's, and the server-side latency histograms; the client−server TTFT, settle
/// and telemetry notes of each benchmark; charts over the benchmark's clock. One "not scraped"
/// line, and no table, when no benchmark has server or GPU figures.
void append_telemetry_section(std::string& out, std::span<const PageRun> runs);

}  // namespace llmpace::report::html
