// Comparison of runs: matching benchmarks into rows, the key metrics of each row, and the
// console, CSV and JSON renderings (compare.hpp describes the rules and the formats).
#include "llmpace/report/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <tuple>

#include "llmpace/report/csv_writer.hpp"
#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/telemetry_text.hpp"

namespace llmpace::report {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Key metrics

enum class Style { requests_per_s, tokens_per_s, ms, count, fraction, percent };

struct KeyMetric {
  std::string_view name;   // report CSV column name
  std::string_view label;  // console
  Style style;
  std::optional<double> (*value)(const BenchmarkReport&);
  bool only_when_present = false;  // a row shows it only when one of its runs has a value
};

/// A statistic of a distribution; none when it has no samples.
template <metrics::DistributionSummary metrics::BenchmarkMetrics::*Distribution,
          double metrics::DistributionSummary::*Statistic>
std::optional<double> statistic(const BenchmarkReport& benchmark) {
  const metrics::DistributionSummary& summary = benchmark.metrics.*Distribution;
  if (summary.count == 0) return std::nullopt;
  return summary.*Statistic;
}

using B = BenchmarkReport;
using M = metrics::BenchmarkMetrics;
using S = metrics::DistributionSummary;

const telemetry::ServerTelemetry* server_of(const B& b) {
  return b.telemetry && b.telemetry->server ? &*b.telemetry->server : nullptr;
}

// The footprint rows (the bf16-vs-INT4 GPU memory story) follow the client's figures; each is
// shown only when a run of the row scraped it.
constexpr std::array<KeyMetric, 19> kKeyMetrics{{
    {"requests_per_s", "requests_per_s", Style::requests_per_s,
     [](const B& b) -> std::optional<double> { return b.metrics.throughput.requests_per_s; }},
    {"output_tokens_per_s", "output_tokens_per_s", Style::tokens_per_s,
     [](const B& b) -> std::optional<double> { return b.metrics.throughput.output_tokens_per_s; }},
    {"ttft_ms_p50", "ttft_ms p50", Style::ms, &statistic<&M::ttft_ms, &S::p50>},
    {"ttft_ms_p99", "ttft_ms p99", Style::ms, &statistic<&M::ttft_ms, &S::p99>},
    {"itl_ms_p50", "itl_ms p50", Style::ms, &statistic<&M::itl_ms, &S::p50>},
    {"itl_ms_p99", "itl_ms p99", Style::ms, &statistic<&M::itl_ms, &S::p99>},
    {"itl_mean_ms_p50", "itl_mean_ms p50", Style::ms, &statistic<&M::itl_mean_ms, &S::p50>},
    {"tpot_ms_p50", "tpot_ms p50", Style::ms, &statistic<&M::tpot_ms, &S::p50>},
    {"tpot_ms_p99", "tpot_ms p99", Style::ms, &statistic<&M::tpot_ms, &S::p99>},
    {"latency_ms_p50", "latency_ms p50", Style::ms, &statistic<&M::latency_ms, &S::p50>},
    {"latency_ms_p99", "latency_ms p99", Style::ms, &statistic<&M::latency_ms, &S::p99>},
    {"requests_errored", "requests_errored", Style::count,
     [](const B& b) -> std::optional<double> {
       return static_cast<double>(b.metrics.requests.errored);
     }},
    {"goodput_fraction", "goodput_fraction", Style::fraction,
     [](const B& b) -> std::optional<double> {
       if (!b.metrics.goodput) return std::nullopt;
       return b.metrics.goodput->fraction;
     },
     true},
    {"server_kv_cache_usage_max", "server KV usage max", Style::fraction,
     [](const B& b) -> std::optional<double> {
       const auto* server = server_of(b);
       if (server == nullptr || !server->kv_cache_usage) return std::nullopt;
       return server->kv_cache_usage->max;
     },
     true},
    {"server_kv_capacity_tokens", "server KV tokens", Style::count,
     [](const B& b) -> std::optional<double> {
       const auto* server = server_of(b);
       return server != nullptr ? server->kv_capacity_tokens : std::nullopt;
     },
     true},
    {"server_generation_tokens_per_s", "server output tok/s", Style::tokens_per_s,
     [](const B& b) -> std::optional<double> {
       const auto* server = server_of(b);
       if (server == nullptr || !server->generation_tokens) return std::nullopt;
       return server->generation_tokens->per_s;
     },
     true},
    {"gpu_fb_used_mib_max", "GPU memory MiB max", Style::count,
     [](const B& b) { return gpu_totals(b).fb_used_mib_max; }, true},
    {"gpu_util_percent_mean", "GPU util % mean", Style::percent,
     [](const B& b) { return gpu_totals(b).util_percent_mean; }, true},
    {"gpu_power_w_mean", "GPU power W mean", Style::count,
     [](const B& b) { return gpu_totals(b).power_w_mean; }, true},
}};

// ---------------------------------------------------------------------------------------------
// Matching

bool is_sweep(const Report& report) {
  if (!report.run.is_object()) return false;
  const auto profile = report.run.find("profile");
  return profile != report.run.end() && profile->is_string() && *profile == "sweep";
}

/// What a row measured: benchmarks with equal keys share a row.
struct RowKey {
  ProfileKind profile = ProfileKind::synchronous;
  bool sweep = false;
  std::size_t position = 0;    // sweeps: stage in the sweep
  std::optional<double> rate;  // others: rate and ...
  std::size_t ordinal = 0;     // ... how many earlier benchmarks of the run had the same ones

  bool operator==(const RowKey& other) const {
    return std::tie(profile, sweep, position, rate, ordinal) ==
           std::tie(other.profile, other.sweep, other.position, other.rate, other.ordinal);
  }
};

std::vector<RowKey> row_keys(const Report& report) {
  const bool sweep = is_sweep(report);
  std::vector<RowKey> keys;
  for (std::size_t i = 0; i < report.benchmarks.size(); ++i) {
    const BenchmarkReport& benchmark = report.benchmarks[i];
    RowKey key;
    key.profile = benchmark.profile;
    key.sweep = sweep;
    if (sweep) {
      key.position = i;
    } else {
      key.rate = benchmark.rate;
      key.ordinal = static_cast<std::size_t>(std::count(keys.begin(), keys.end(), key));
    }
    keys.push_back(key);
  }
  return keys;
}

std::optional<double> finite(std::optional<double> value) {
  if (value && !std::isfinite(*value)) return std::nullopt;
  return value;
}

/// The key metrics of a row whose runs are set.
void fill_metrics(BenchmarkComparison& row, const std::vector<LabelledReport>& runs) {
  const auto benchmark_of = [&](std::size_t run) -> const BenchmarkReport* {
    if (!row.runs[run]) return nullptr;
    return &runs[run].report.benchmarks[row.runs[run]->index];
  };
  for (const KeyMetric& key : kKeyMetrics) {
    MetricComparison metric;
    metric.name = key.name;
    metric.label = key.label;
    for (std::size_t run = 0; run < runs.size(); ++run) {
      const BenchmarkReport* benchmark = benchmark_of(run);
      metric.values.push_back(benchmark ? finite(key.value(*benchmark)) : std::nullopt);
    }
    const bool any_value = std::any_of(metric.values.begin(), metric.values.end(),
                                       [](const std::optional<double>& value) { return value; });
    if (key.only_when_present && !any_value) continue;
    const std::optional<double> baseline = metric.values.front();
    for (const std::optional<double>& value : metric.values) {
      const bool defined = value && baseline && *baseline != 0;
      metric.ratios.push_back(defined ? finite(*value / *baseline) : std::nullopt);
    }
    row.metrics.push_back(std::move(metric));
  }
}

// ---------------------------------------------------------------------------------------------
// Console

constexpr std::size_t kConsoleWidth = 120;
constexpr std::size_t kIndent = 2;
constexpr std::size_t kMetricWidth = 20;
constexpr std::size_t kValueWidth = 12;
constexpr std::size_t kRatioWidth = 8;
constexpr std::size_t kGap = 2;
constexpr std::size_t kMaxLabelWidth = 20;  // in the list of runs
/// Other runs shown next to the baseline in one table: 2 + 20 + 4 * 14 + 3 * 10 = 108 columns.
constexpr std::size_t kOthersPerTable = 3;

/// `text` cut to at most `width` bytes, ending in "..." when cut; never inside a UTF-8 sequence.
std::string fit(std::string_view text, std::size_t width) {
  if (text.size() <= width) return std::string(text);
  std::size_t keep = width > 3 ? width - 3 : width;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return fmt::format("{}{}", text.substr(0, keep), width > 3 ? "..." : "");
}

/// A key metric's value (values are finite: fill_metrics leaves out the others).
std::string format_value(Style style, const std::optional<double>& value) {
  if (!value) return std::string(kAbsent);
  switch (style) {
    case Style::requests_per_s:
      return format_fixed(*value, 2);
    case Style::tokens_per_s:
      return format_fixed(*value, 1);
    case Style::ms:
      return format_ms(*value);
    case Style::count:
      return format_fixed(*value, 0);
    case Style::fraction:
      return format_fixed(*value, 3);
    case Style::percent:
      return format_fixed(*value, 1);
  }
  return std::string(kAbsent);
}

std::string format_ratio(const std::optional<double>& ratio) {
  if (!ratio) return std::string(kAbsent);
  if (std::abs(*ratio) < 1000) return fmt::format("{:.2f}x", *ratio);
  return fmt::format("{:.3g}x", *ratio);
}

Style style_of(std::string_view name) {
  for (const KeyMetric& key : kKeyMetrics) {
    if (key.name == name) return key.style;
  }
  return Style::fraction;
}

/// Whether every run that has the row ran it at the same rate (not so for sweep stages).
bool rates_agree(const BenchmarkComparison& row) {
  const std::optional<ComparedBenchmark>* first = nullptr;
  for (const auto& run : row.runs) {
    if (!run) continue;
    if (first == nullptr) first = &run;
    if (run->rate != (*first)->rate) return false;
  }
  return true;
}

/// The first rate of the row's runs.
std::optional<double> some_rate(const BenchmarkComparison& row) {
  for (const auto& run : row.runs) {
    if (run) return run->rate;
  }
  return std::nullopt;
}

/// "#2 constant 2.50 (sweep stage 2)  not in b"
std::string row_title(const Comparison& comparison, const BenchmarkComparison& row,
                      std::size_t number) {
  std::string title = fmt::format("#{} {}", number, to_string(row.profile));
  if (const auto rate = some_rate(row); rate && rates_agree(row)) {
    fmt::format_to(std::back_inserter(title), " {}", format_rate(rate));
  }
  if (row.sweep_position) {
    fmt::format_to(std::back_inserter(title), " (sweep stage {})", *row.sweep_position + 1);
  }
  std::vector<std::string> missing;
  for (std::size_t run = 0; run < row.runs.size(); ++run) {
    if (!row.runs[run]) missing.push_back(comparison.runs[run].label);
  }
  if (!missing.empty()) {
    fmt::format_to(std::back_inserter(title), "  not in {}", fmt::join(missing, ", "));
  }
  return fit(title, kConsoleWidth);
}

/// "a: interrupted, client-limited", one line per run with something to say.
std::vector<std::string> row_notes(const Comparison& comparison, const BenchmarkComparison& row) {
  std::vector<std::string> notes;
  for (std::size_t run = 0; run < row.runs.size(); ++run) {
    if (!row.runs[run]) continue;
    std::vector<std::string> flags;
    if (row.runs[run]->interrupted) flags.emplace_back("interrupted (stopped by a signal)");
    if (row.runs[run]->client_limited) {
      flags.emplace_back("CLIENT-LIMITED (fell behind its schedule)");
    }
    if (flags.empty()) continue;
    notes.push_back(fit(
        fmt::format("{:{}}{}: {}", "", kIndent, comparison.runs[run].label, fmt::join(flags, ", ")),
        kConsoleWidth));
  }
  return notes;
}

/// One line of a table: the metric cell, the baseline's cell, then each shown run's cell and ratio.
std::string table_line(std::string_view metric, std::string_view baseline,
                       const std::vector<std::pair<std::string, std::string>>& others) {
  std::string line = fmt::format("{:{}}{:<{}}{:{}}{:>{}}", "", kIndent, fit(metric, kMetricWidth),
                                 kMetricWidth, "", kGap, baseline, kValueWidth);
  for (const auto& [value, ratio] : others) {
    fmt::format_to(std::back_inserter(line), "{:{}}{:>{}}{:{}}{:>{}}", "", kGap, value, kValueWidth,
                   "", kGap, ratio, kRatioWidth);
  }
  line.erase(line.find_last_not_of(' ') + 1);
  return line;
}

/// The block of one row, showing the baseline and runs [first, last).
std::string row_block(const Comparison& comparison, const BenchmarkComparison& row,
                      std::size_t number, std::size_t first, std::size_t last) {
  std::string out = row_title(comparison, row, number) + "\n";
  std::vector<std::pair<std::string, std::string>> header;
  for (std::size_t run = first; run < last; ++run) {
    header.emplace_back(fit(comparison.runs[run].label, kValueWidth), "ratio");
  }
  out += table_line("metric", fit(comparison.runs[0].label, kValueWidth), header) + "\n";

  // The rates, when they differ between runs (sweep stages).
  if (!rates_agree(row)) {
    std::vector<std::optional<double>> rates;
    for (const auto& run : row.runs) rates.push_back(run ? run->rate : std::nullopt);
    std::vector<std::pair<std::string, std::string>> cells;
    for (std::size_t run = first; run < last; ++run) {
      const bool defined = rates[run] && rates[0] && *rates[0] != 0;
      cells.emplace_back(
          format_rate(rates[run]),
          format_ratio(defined ? std::optional(*rates[run] / *rates[0]) : std::nullopt));
    }
    out += table_line("rate", format_rate(rates[0]), cells) + "\n";
  }

  for (const MetricComparison& metric : row.metrics) {
    const Style style = style_of(metric.name);
    std::vector<std::pair<std::string, std::string>> cells;
    for (std::size_t run = first; run < last; ++run) {
      cells.emplace_back(format_value(style, metric.values[run]), format_ratio(metric.ratios[run]));
    }
    out += table_line(metric.label, format_value(style, metric.values[0]), cells) + "\n";
  }
  for (const std::string& note : row_notes(comparison, row)) out += note + "\n";
  return out;
}

std::string runs_section(const Comparison& comparison) {
  std::size_t label_width = 1;
  for (const ComparedRun& run : comparison.runs) {
    label_width = std::max(label_width, std::min(run.label.size(), kMaxLabelWidth));
  }
  std::string out;
  for (const ComparedRun& run : comparison.runs) {
    std::string line =
        fmt::format("{:{}}{:<{}}", "", kIndent, fit(run.label, kMaxLabelWidth), label_width);
    if (!run.llmpace_version.empty()) {
      fmt::format_to(std::back_inserter(line), "  llmpace {}", run.llmpace_version);
    }
    if (!run.created_at.empty()) fmt::format_to(std::back_inserter(line), "  {}", run.created_at);
    for (const auto& [key, value] :
         {std::pair{"target", &run.target}, {"model", &run.model}, {"api", &run.api}}) {
      if (!value->empty()) fmt::format_to(std::back_inserter(line), "  {} {}", key, *value);
    }
    out += fit(line, kConsoleWidth) + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSV

void append_line(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, fields[i]);
  }
  out += '\n';
}

// ---------------------------------------------------------------------------------------------
// JSON

json json_number(const std::optional<double>& value) { return value ? json(*value) : json(); }

}  // namespace

std::vector<std::string_view> key_metric_names() {
  std::vector<std::string_view> names;
  for (const KeyMetric& key : kKeyMetrics) names.push_back(key.name);
  return names;
}

Comparison compare_reports(const std::vector<LabelledReport>& runs) {
  Comparison comparison;
  std::vector<RowKey> row_keys_of_rows;
  for (std::size_t run = 0; run < runs.size(); ++run) {
    const Report& report = runs[run].report;
    comparison.runs.push_back(ComparedRun{
        .label = runs[run].label,
        .llmpace_version = report.llmpace_version,
        .created_at = report.created_at,
        .target = run_text(report.run, "target").value_or(""),
        .model = run_text(report.run, "model").value_or(""),
        .api = run_text(report.run, "api").value_or(""),
    });
    const std::vector<RowKey> keys = row_keys(report);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      // Keys are unique within a run, so a matching row never holds this run already.
      auto found = std::find(row_keys_of_rows.begin(), row_keys_of_rows.end(), keys[i]);
      std::size_t row = static_cast<std::size_t>(found - row_keys_of_rows.begin());
      if (found == row_keys_of_rows.end()) {
        row_keys_of_rows.push_back(keys[i]);
        BenchmarkComparison added;
        added.profile = keys[i].profile;
        if (keys[i].sweep) added.sweep_position = keys[i].position;
        added.runs.resize(runs.size());
        comparison.benchmarks.push_back(std::move(added));
      }
      const BenchmarkReport& benchmark = report.benchmarks[i];
      comparison.benchmarks[row].runs[run] = ComparedBenchmark{
          .index = i,
          .rate = benchmark.rate,
          .interrupted = benchmark.interrupted,
          .client_limited = benchmark.metrics.client_limited,
      };
    }
  }
  for (BenchmarkComparison& row : comparison.benchmarks) fill_metrics(row, runs);
  return comparison;
}

std::string render_compare_console(const Comparison& comparison) {
  if (comparison.runs.empty()) return "No runs to compare.\n";
  const std::size_t others = comparison.runs.size() - 1;
  std::string out = fmt::format("llmpace compare: {} runs, ratios to the baseline {}\n\n",
                                comparison.runs.size(), comparison.runs[0].label);
  out += runs_section(comparison);
  if (comparison.benchmarks.empty()) return out + "\nNo benchmarks to compare.\n";

  // One table per group of other runs, each next to the baseline (a lone baseline: one table).
  for (std::size_t first = 1; first == 1 || first <= others; first += kOthersPerTable) {
    const std::size_t last = std::min(first + kOthersPerTable, comparison.runs.size());
    if (others > kOthersPerTable) {
      std::vector<std::string> shown;
      for (std::size_t run = first; run < last; ++run) shown.push_back(comparison.runs[run].label);
      out += "\n" +
             fit(fmt::format("== {} against {}", fmt::join(shown, ", "), comparison.runs[0].label),
                 kConsoleWidth) +
             "\n";
    }
    for (std::size_t row = 0; row < comparison.benchmarks.size(); ++row) {
      out += "\n" + row_block(comparison, comparison.benchmarks[row], row + 1, first, last);
    }
  }
  out += fmt::format(
      "\nTimes in ms. ratio: run / baseline ({}), '-' when either has no value or the baseline "
      "is 0.\nDefinitions: docs/metrics.md.\n",
      fit(comparison.runs[0].label, kMaxLabelWidth));
  return out;
}

std::string render_compare_csv(const Comparison& comparison) {
  std::string out;
  append_line(out, {"benchmark", "profile", "rate", "metric", "run", "value", "ratio_to_baseline"});
  for (std::size_t row = 0; row < comparison.benchmarks.size(); ++row) {
    const BenchmarkComparison& benchmark = comparison.benchmarks[row];
    for (const MetricComparison& metric : benchmark.metrics) {
      for (std::size_t run = 0; run < comparison.runs.size(); ++run) {
        const auto& compared = benchmark.runs[run];
        append_line(out, {
                             fmt::format("{}", row + 1),
                             std::string(to_string(benchmark.profile)),
                             compared ? exact_number(compared->rate) : std::string(),
                             metric.name,
                             comparison.runs[run].label,
                             exact_number(metric.values[run]),
                             exact_number(metric.ratios[run]),
                         });
      }
    }
  }
  return out;
}

json compare_to_json(const Comparison& comparison) {
  json runs = json::array();
  for (const ComparedRun& run : comparison.runs) {
    runs.push_back({
        {"label", run.label},
        {"llmpace_version", run.llmpace_version},
        {"created_at", run.created_at},
        {"target", run.target},
        {"model", run.model},
        {"api", run.api},
    });
  }
  json benchmarks = json::array();
  for (std::size_t row = 0; row < comparison.benchmarks.size(); ++row) {
    const BenchmarkComparison& benchmark = comparison.benchmarks[row];
    json row_runs = json::array();
    for (std::size_t run = 0; run < benchmark.runs.size(); ++run) {
      const auto& compared = benchmark.runs[run];
      if (!compared) {
        row_runs.push_back(nullptr);
        continue;
      }
      row_runs.push_back({
          {"label", comparison.runs[run].label},
          {"position", compared->index + 1},
          {"rate", json_number(compared->rate)},
          {"interrupted", compared->interrupted},
          {"client_limited", compared->client_limited},
      });
    }
    json metrics = json::object();
    for (const MetricComparison& metric : benchmark.metrics) {
      json values = json::array();
      json ratios = json::array();
      for (const auto& value : metric.values) values.push_back(json_number(value));
      for (const auto& ratio : metric.ratios) ratios.push_back(json_number(ratio));
      metrics[metric.name] = {{"values", std::move(values)}, {"ratios", std::move(ratios)}};
    }
    benchmarks.push_back({
        {"benchmark", row + 1},
        {"profile", std::string(to_string(benchmark.profile))},
        {"sweep_position", benchmark.sweep_position ? json(*benchmark.sweep_position + 1) : json()},
        {"runs", std::move(row_runs)},
        {"metrics", std::move(metrics)},
    });
  }
  return {
      {"baseline", comparison.runs.empty() ? json() : json(comparison.runs[0].label)},
      {"runs", std::move(runs)},
      {"benchmarks", std::move(benchmarks)},
  };
}

}  // namespace llmpace::report
