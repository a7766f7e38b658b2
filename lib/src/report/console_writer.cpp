// Console table. Every column has a fixed width so rows line up however large the numbers get;
// the table is 120 columns wide at most (profile names are cut to fit).
#include "llmpace/report/console_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>

#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/telemetry_text.hpp"

namespace llmpace::report {
namespace {

constexpr std::size_t kMinProfileWidth = 7;   // "profile"
constexpr std::size_t kMaxProfileWidth = 14;  // keeps the table within 120 columns
constexpr std::string_view kGap = "  ";
constexpr std::string_view kInterruptedMark = "*";
constexpr std::size_t kConsoleColumns = 120;      // the widest line the table and notes aim for
constexpr std::string_view kKindIndent = "    ";  // error kinds under their benchmark's line

struct Column {
  std::string_view group;  // label shared by the columns of a group ("TTFT"), empty for none
  std::string_view name;
  std::size_t width;
};

// Every column after the profile; widths hold the widest value they are meant for.
constexpr std::array<Column, 11> kColumns{{
    {"", "rate", 7},
    {"requests", "ok", 6},
    {"requests", "err", 5},
    {"throughput", "req/s", 8},
    {"throughput", "out tok/s", 10},
    {"TTFT", "p50", 8},
    {"TTFT", "p99", 8},
    {"ITL", "p50", 8},
    {"ITL", "p99", 8},
    {"TPOT", "p50", 8},
    {"latency", "p50", 8},
}};

// The console writes a NaN (a null number of a report read back) as "nan", as it always has.
constexpr NonFinite kNonFinite = NonFinite::as_number;

std::string console_ms(double value_ms) { return format_ms(value_ms, kNonFinite); }

/// A percentile of a distribution, or "-" when it has no samples.
std::string console_ms(const metrics::DistributionSummary& summary, double value_ms) {
  return summary.count == 0 ? std::string(kAbsent) : console_ms(value_ms);
}

std::string profile_label(const BenchmarkReport& benchmark) {
  std::string label(to_string(benchmark.profile));
  if (benchmark.interrupted) label += kInterruptedMark;
  return label;
}

std::size_t profile_width(const Report& report) {
  std::size_t width = kMinProfileWidth;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    width = std::max(width, profile_label(benchmark).size());
  }
  return std::min(width, kMaxProfileWidth);
}

/// One table line: the profile cell left-aligned, then the columns right-aligned.
std::string table_line(std::string_view first, std::size_t first_width,
                       const std::array<std::string, kColumns.size()>& cells) {
  std::string line = fmt::format("{:<{}}", first.substr(0, first_width), first_width);
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    fmt::format_to(std::back_inserter(line), "{}{:>{}}", kGap, cells[i], kColumns[i].width);
  }
  return line;
}

/// Group labels centred over their columns ("TTFT" over its p50 and p99).
std::string group_line(std::size_t first_width) {
  std::string line(first_width, ' ');
  for (std::size_t i = 0; i < kColumns.size();) {
    std::size_t end = i + 1;
    std::size_t width = kColumns[i].width;
    while (end < kColumns.size() && kColumns[end].group == kColumns[i].group) {
      width += kGap.size() + kColumns[end].width;
      ++end;
    }
    fmt::format_to(std::back_inserter(line), "{}{:^{}}", kGap, kColumns[i].group, width);
    i = end;
  }
  line.erase(line.find_last_not_of(' ') + 1);
  return line;
}

std::array<std::string, kColumns.size()> header_cells() {
  std::array<std::string, kColumns.size()> cells;
  for (std::size_t i = 0; i < kColumns.size(); ++i) cells[i] = std::string(kColumns[i].name);
  return cells;
}

std::array<std::string, kColumns.size()> row_cells(const BenchmarkReport& benchmark) {
  const metrics::BenchmarkMetrics& m = benchmark.metrics;
  return {
      format_rate(benchmark.rate),
      fmt::format("{}", m.requests.successful),
      fmt::format("{}", m.requests.errored),
      format_fixed(m.throughput.requests_per_s, 2, kNonFinite),
      format_fixed(m.throughput.output_tokens_per_s, 1, kNonFinite),
      console_ms(m.ttft_ms, m.ttft_ms.p50),
      console_ms(m.ttft_ms, m.ttft_ms.p99),
      console_ms(m.itl_ms, m.itl_ms.p50),
      console_ms(m.itl_ms, m.itl_ms.p99),
      console_ms(m.tpot_ms, m.tpot_ms.p50),
      console_ms(m.latency_ms, m.latency_ms.p50),
  };
}

/// "llmpace 0.1.0  target http://...  model m  api chat", from what the run recorded.
std::string title_line(const Report& report) {
  std::string line = fmt::format("llmpace {}", report.llmpace_version);
  for (const std::string_view key : {"target", "model", "api"}) {
    if (const auto value = run_text(report.run, key)) {
      fmt::format_to(std::back_inserter(line), "  {} {}", key, *value);
    }
  }
  return line;
}

/// What the incomplete requests measured before the stop (docs/metrics.md#incomplete-requests):
/// a line for those that got a first token and one for those still waiting; none for either
/// group when it is empty.
std::vector<std::string> incomplete_figure_lines(const metrics::IncompleteFigures& incomplete) {
  std::vector<std::string> lines;
  if (incomplete.ttft_ms.count > 0) {
    std::string line =
        fmt::format("{} got a first token: TTFT p50 {} / p99 {} ms", incomplete.with_first_token,
                    console_ms(incomplete.ttft_ms.p50), console_ms(incomplete.ttft_ms.p99));
    if (incomplete.itl_ms.count > 0) {
      fmt::format_to(std::back_inserter(line), "; ITL p50 {} / p99 {} ms ({} gaps)",
                     console_ms(incomplete.itl_ms.p50), console_ms(incomplete.itl_ms.p99),
                     incomplete.itl_ms.count);
    }
    lines.push_back(std::move(line));
  }
  if (incomplete.waited_ms.count > 0) {
    lines.push_back(
        fmt::format("{} got no token: waited p50 {} / max {} ms by the stop (their TTFT is longer)",
                    incomplete.waited_ms.count, console_ms(incomplete.waited_ms.p50),
                    console_ms(incomplete.waited_ms.max)));
  }
  return lines;
}

/// Lines under the table for requests that did not succeed, one per benchmark that had any.
std::vector<std::string> unfinished_lines(const Report& report) {
  std::vector<std::string> lines;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    const metrics::RequestCounts& requests = benchmark.metrics.requests;
    std::string line;
    if (requests.errored > 0) {
      line = fmt::format("{} errored ({})", requests.errored, error_kinds_text(benchmark.metrics));
    }
    if (requests.incomplete > 0) {
      if (!line.empty()) line += ", ";
      fmt::format_to(std::back_inserter(line),
                     "{} incomplete (cancelled when the benchmark stopped)", requests.incomplete);
    }
    if (line.empty()) continue;
    lines.push_back(fmt::format("  {}: {}", benchmark_name(benchmark), line));
    // Every kind with its count and first message, so the cause is on screen.
    for (const auto& [kind, count] : benchmark.metrics.errors_by_kind) {
      lines.push_back(fmt::format(
          "{}{}", kKindIndent,
          error_kind_text(benchmark.metrics, kind, kConsoleColumns - kKindIndent.size())));
    }
    for (const std::string& text : incomplete_figure_lines(benchmark.metrics.incomplete)) {
      lines.push_back(fmt::format("{}{}", kKindIndent, text));
    }
  }
  return lines;
}

/// Lines under the table about how a benchmark ran: its pacing, its end, what it left out.
std::vector<std::string> run_note_lines(const Report& report) {
  std::vector<std::string> lines;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    const metrics::BenchmarkMetrics& m = benchmark.metrics;
    std::vector<std::string> notes;
    if (m.client_limited) {
      notes.push_back(fmt::format(
          "CLIENT-LIMITED: dispatch lag p99 {} ms exceeds {:g} ms; TTFT from the schedule p50 {} / "
          "p99 {} ms",
          console_ms(m.dispatch_lag_ms.p99), metrics::kClientLimitedDispatchLagP99Ms,
          console_ms(m.ttft_from_scheduled_ms, m.ttft_from_scheduled_ms.p50),
          console_ms(m.ttft_from_scheduled_ms, m.ttft_from_scheduled_ms.p99)));
    }
    if (m.goodput) {
      notes.push_back(fmt::format(
          "goodput {}% ({} requests, {} req/s) meeting {}",
          format_fixed(m.goodput->fraction * 100, 1, kNonFinite), m.goodput->requests_met,
          format_fixed(m.goodput->requests_per_s, 2, kNonFinite), m.goodput->slo));
    }
    if (m.requests.waited_for_slot > 0) {
      notes.push_back(fmt::format("{} waited for a concurrency slot (send lag p99 {} ms)",
                                  m.requests.waited_for_slot, console_ms(m.send_lag_ms.p99)));
    }
    if (m.requests.dropped > 0) {
      notes.push_back(fmt::format("{} dropped at the concurrency cap", m.requests.dropped));
    }
    if (benchmark.stop_reason == "max_errors" || benchmark.stop_reason == "max_error_rate") {
      notes.push_back(fmt::format("ended early by --{}", benchmark.stop_reason == "max_errors"
                                                             ? "max-errors"
                                                             : "max-error-rate"));
    }
    if (m.requests.warmup > 0 || m.requests.cooldown > 0) {
      notes.push_back(fmt::format("{} warmup and {} cooldown requests left out", m.requests.warmup,
                                  m.requests.cooldown));
    }
    if (const std::string names = approximate_distributions(m, ", "); !names.empty()) {
      notes.push_back(fmt::format("percentiles of {} from histograms, within 0.1 %", names));
    }
    if (m.concurrency.max_is_upper_bound) {
      notes.push_back("concurrency max is an upper bound (the sum of the shards' maxima)");
    }
    const std::string prefix = fmt::format("  {}: ", benchmark_name(benchmark));
    if (m.usage_problems.requests > 0) {
      const std::size_t room =
          prefix.size() < kConsoleColumns ? kConsoleColumns - prefix.size() : 0;
      notes.push_back(usage_problems_text(m.usage_problems, room));
    }
    for (const std::string& note : notes) lines.push_back(fmt::format("{}{}", prefix, note));
  }
  return lines;
}

/// Lines about the server's and GPUs' metrics, per benchmark that had any, and why they are
/// missing or partial.
std::vector<std::string> telemetry_lines(const Report& report) {
  std::vector<std::string> lines;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    const std::string prefix = fmt::format("  {}: ", benchmark_name(benchmark));
    const std::string indent(prefix.size(), ' ');
    std::vector<std::string> parts;
    if (std::string line = server_telemetry_line(benchmark); !line.empty()) {
      parts.push_back(std::move(line));
    }
    for (std::string& line : gpu_telemetry_lines(benchmark)) parts.push_back(std::move(line));
    if (std::string line = ttft_comparison_line(benchmark); !line.empty()) {
      parts.push_back(std::move(line));
    }
    if (std::string line = settle_line(benchmark); !line.empty()) parts.push_back(std::move(line));
    if (benchmark.telemetry) {
      for (const std::string& note : benchmark.telemetry->notes) parts.push_back(note);
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      lines.push_back(fmt::format("{}{}", i == 0 ? prefix : indent, parts[i]));
    }
  }
  return lines;
}

/// The verdict of each benchmark that hit a wall (and of the first one when none did), then the
/// sweep's, each with its remedy.
std::vector<std::string> diagnosis_lines(const Report& report) {
  std::vector<std::string> lines;
  bool any_wall = false;
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    if (!benchmark.diagnosis) continue;
    const telemetry::Diagnosis& diagnosis = *benchmark.diagnosis;
    if (diagnosis.wall == telemetry::Wall::headroom) continue;
    any_wall = true;
    lines.push_back(fmt::format("  {}: {}", benchmark_name(benchmark), diagnosis.verdict));
    if (!diagnosis.remedy.empty()) lines.push_back(fmt::format("    remedy: {}", diagnosis.remedy));
  }
  if (!any_wall && report.benchmarks.size() == 1 && report.benchmarks.front().diagnosis) {
    const BenchmarkReport& only = report.benchmarks.front();
    lines.push_back(fmt::format("  {}: {}", benchmark_name(only), only.diagnosis->verdict));
  } else if (!any_wall && report.benchmarks.size() > 1 &&
             std::any_of(report.benchmarks.begin(), report.benchmarks.end(),
                         [](const BenchmarkReport& b) { return b.diagnosis.has_value(); })) {
    lines.push_back("  no wall: every benchmark had headroom");
  }
  if (report.sweep_diagnosis)
    lines.push_back(fmt::format("  sweep: {}", report.sweep_diagnosis->verdict));
  return lines;
}

bool any_interrupted(const Report& report) {
  return std::any_of(report.benchmarks.begin(), report.benchmarks.end(),
                     [](const BenchmarkReport& benchmark) { return benchmark.interrupted; });
}

bool any_counted_tokens(const Report& report) {
  return std::any_of(report.benchmarks.begin(), report.benchmarks.end(),
                     [](const BenchmarkReport& benchmark) {
                       const std::string& source = benchmark.metrics.output_tokens_source;
                       return source == "chunk_count" || source == "mixed";
                     });
}

}  // namespace

std::string render_console(const Report& report) {
  std::string out = title_line(report) + "\n";
  if (report.interrupted) out += "Run interrupted: the results cover the part that ran.\n";
  if (report.benchmarks.empty()) {
    out += "No benchmarks ran.\n";
    return out;
  }

  const std::size_t first_width = profile_width(report);
  const std::string header = table_line("profile", first_width, header_cells());
  // fmt rather than chained std::string '+': g++ 12 -O3 reports a false -Wrestrict on those.
  out += fmt::format("\n{}\n{}\n", group_line(first_width), header);
  out += std::string(header.size(), '-') + "\n";
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    out += table_line(profile_label(benchmark), first_width, row_cells(benchmark)) + "\n";
  }
  out +=
      "\nTimes in ms. TTFT: sent -> first content or reasoning token. ITL: every gap between "
      "token chunks.\nTPOT: (end of stream - first token) / (tokens - 1) per request, as vLLM. See "
      "docs/metrics.md.\n";

  const std::vector<std::string> unfinished = unfinished_lines(report);
  if (!unfinished.empty()) {
    out += "\nRequests that did not succeed:\n";
    for (const std::string& line : unfinished) out += line + "\n";
  }
  const std::vector<std::string> run_notes = run_note_lines(report);
  if (!run_notes.empty()) {
    out += "\nHow the benchmarks ran:\n";
    for (const std::string& line : run_notes) out += line + "\n";
  }
  const std::vector<std::string> telemetry = telemetry_lines(report);
  if (!telemetry.empty()) {
    out += "\nServer and GPU metrics (docs/telemetry.md):\n";
    for (const std::string& line : telemetry) out += line + "\n";
  }
  const std::vector<std::string> diagnosis = diagnosis_lines(report);
  if (!diagnosis.empty()) {
    out += "\nDiagnosis (docs/diagnosis.md):\n";
    for (const std::string& line : diagnosis) out += line + "\n";
  }
  if (any_interrupted(report)) {
    out += fmt::format("\n{} interrupted: stopped by a signal before its own limits.\n",
                       kInterruptedMark);
  }
  if (any_counted_tokens(report)) {
    out +=
        "\nSome output tokens were counted one per chunk because the server sent no usage (or a "
        "bad one):\ntoken counts and tok/s may be low.\n";
  }
  return out;
}

}  // namespace llmpace::report
