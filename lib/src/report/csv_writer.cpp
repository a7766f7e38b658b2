// CSV report: each row is built as (column name, cell) pairs by one function, and the header is
// the names of a row built from an empty benchmark, so header and rows cannot drift apart.
#include "llmpace/report/csv_writer.hpp"

#include <fmt/format.h>

#include <iterator>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "llmpace/report/number_format.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/telemetry_text.hpp"

namespace llmpace::report {
namespace {

struct Cell {
  std::string name;
  std::string value;
};

class Row {
 public:
  void add(std::string name, std::string value) {
    cells_.push_back({std::move(name), std::move(value)});
  }
  [[nodiscard]] const std::vector<Cell>& cells() const { return cells_; }

 private:
  std::vector<Cell> cells_;
};

std::string integer(std::size_t value) { return fmt::format("{}", value); }

std::string boolean(bool value) { return value ? "true" : "false"; }

/// "http_status=2;idle_timeout=1" (kinds in name order), empty when there were no errors.
std::string errors_by_kind(const std::map<std::string, std::size_t>& errors) {
  std::string text;
  for (const auto& [kind, count] : errors) {
    if (!text.empty()) text += ';';
    fmt::format_to(std::back_inserter(text), "{}={}", kind, count);
  }
  return text;
}

void add_distribution(Row& row, std::string_view name, const metrics::DistributionSummary& s) {
  // count 0 means every other figure is a meaningless 0 (docs/metrics.md): leave them empty.
  const bool empty = s.count == 0;
  const auto statistic = [&](std::string_view statistic_name, double value) {
    row.add(fmt::format("{}_{}", name, statistic_name), empty ? "" : exact_number(value));
  };
  row.add(fmt::format("{}_count", name), integer(s.count));
  statistic("mean", s.mean);
  statistic("stddev", s.stddev);
  statistic("min", s.min);
  statistic("max", s.max);
  for (const metrics::PercentileField& field : metrics::kPercentileFields) {
    statistic(field.name, s.*field.member);
  }
}

/// The key figures of the incomplete requests (docs/metrics.md#incomplete-requests); a statistic
/// of an empty distribution is an empty cell.
void add_incomplete(Row& row, const metrics::IncompleteFigures& incomplete) {
  const auto statistic = [&](std::string_view name, const metrics::DistributionSummary& summary,
                             double value) {
    row.add(fmt::format("incomplete_{}", name), summary.count == 0 ? "" : exact_number(value));
  };
  row.add("incomplete_with_first_token", integer(incomplete.with_first_token));
  statistic("ttft_ms_p50", incomplete.ttft_ms, incomplete.ttft_ms.p50);
  statistic("ttft_ms_p99", incomplete.ttft_ms, incomplete.ttft_ms.p99);
  statistic("itl_ms_p50", incomplete.itl_ms, incomplete.itl_ms.p50);
  row.add("incomplete_waited_ms_count", integer(incomplete.waited_ms.count));
  statistic("waited_ms_p50", incomplete.waited_ms, incomplete.waited_ms.p50);
}

std::string gauge_mean(const std::optional<telemetry::GaugeStats>& gauge) {
  return gauge ? exact_number(gauge->mean) : "";
}

std::string gauge_max(const std::optional<telemetry::GaugeStats>& gauge) {
  return gauge ? exact_number(gauge->max) : "";
}

/// The key figures of the server's and GPUs' metrics (docs/telemetry.md); empty cells where not
/// scraped or not exposed. GPU columns are over every GPU (gpu_totals()).
void add_telemetry(Row& row, const BenchmarkReport& benchmark) {
  const telemetry::TelemetrySummary* summary =
      benchmark.telemetry ? &*benchmark.telemetry : nullptr;
  const telemetry::ServerTelemetry* server =
      summary && summary->server ? &*summary->server : nullptr;
  const auto server_gauge = [&](auto member, bool mean) -> std::string {
    if (server == nullptr) return "";
    return mean ? gauge_mean(server->*member) : gauge_max(server->*member);
  };
  row.add("server_kv_cache_usage_mean",
          server_gauge(&telemetry::ServerTelemetry::kv_cache_usage, true));
  row.add("server_kv_cache_usage_max",
          server_gauge(&telemetry::ServerTelemetry::kv_cache_usage, false));
  row.add("server_requests_running_mean",
          server_gauge(&telemetry::ServerTelemetry::requests_running, true));
  row.add("server_requests_waiting_mean",
          server_gauge(&telemetry::ServerTelemetry::requests_waiting, true));
  row.add("server_requests_waiting_max",
          server_gauge(&telemetry::ServerTelemetry::requests_waiting, false));
  row.add("server_preemptions",
          server && server->preemptions ? exact_number(server->preemptions->delta) : "");
  row.add("server_generation_tokens_per_s", server && server->generation_tokens
                                                ? exact_number(server->generation_tokens->per_s)
                                                : "");
  row.add("server_ttft_p50_ms", server && server->ttft && server->ttft->p50
                                    ? exact_number(server->ttft->p50->value_ms)
                                    : "");
  row.add("server_kv_capacity_tokens", server ? exact_number(server->kv_capacity_tokens) : "");
  const GpuTotals gpus = gpu_totals(benchmark);
  row.add("gpu_count", summary ? integer(summary->gpus.size()) : "");
  row.add("gpu_util_percent_mean", exact_number(gpus.util_percent_mean));
  row.add("gpu_fb_used_mib_max", exact_number(gpus.fb_used_mib_max));
  row.add("gpu_power_w_total_mean", exact_number(gpus.power_w_mean));
  row.add("settle_s", benchmark.settle ? exact_number(benchmark.settle->waited_s) : "");
}

/// Benchmark `position` (1-based) of the run.
Row row_of(const Report& report, const BenchmarkReport& benchmark, std::size_t position) {
  const metrics::BenchmarkMetrics& m = benchmark.metrics;
  Row row;
  row.add("llmpace_version", report.llmpace_version);
  row.add("created_at", report.created_at);
  row.add("model", run_text(report.run, "model").value_or(""));
  row.add("target", run_text(report.run, "target").value_or(""));
  row.add("benchmark", integer(position));
  row.add("profile", std::string(to_string(benchmark.profile)));
  row.add("rate", exact_number(benchmark.rate));
  row.add("interrupted", boolean(benchmark.interrupted));
  row.add("stop_reason", benchmark.stop_reason);
  row.add("workers", fmt::format("{}", benchmark.workers));
  row.add("client_limited", boolean(m.client_limited));
  row.add("duration_s", exact_number(m.duration_s));
  row.add("requests_successful", integer(m.requests.successful));
  row.add("requests_incomplete", integer(m.requests.incomplete));
  row.add("requests_errored", integer(m.requests.errored));
  row.add("requests_total", integer(m.requests.total()));
  row.add("requests_warmup", integer(m.requests.warmup));
  row.add("requests_cooldown", integer(m.requests.cooldown));
  row.add("requests_dropped", integer(m.requests.dropped));
  row.add("requests_waited_for_slot", integer(m.requests.waited_for_slot));
  row.add("errors_by_kind", errors_by_kind(m.errors_by_kind));
  row.add("usage_problems", integer(m.usage_problems.requests));
  row.add("output_tokens_source", m.output_tokens_source);
  row.add("requests_per_s", exact_number(m.throughput.requests_per_s));
  row.add("sent_requests_per_s", exact_number(m.throughput.sent_requests_per_s));
  row.add("output_tokens_per_s", exact_number(m.throughput.output_tokens_per_s));
  row.add("total_tokens_per_s", exact_number(m.throughput.total_tokens_per_s));
  row.add("concurrency_mean", exact_number(m.concurrency.mean));
  row.add("concurrency_max", integer(m.concurrency.max));
  row.add("concurrency_max_is_upper_bound", boolean(m.concurrency.max_is_upper_bound));
  const metrics::Goodput* goodput = m.goodput ? &*m.goodput : nullptr;
  row.add("goodput_slo", goodput ? goodput->slo : "");
  row.add("goodput_requests_met", goodput ? integer(goodput->requests_met) : "");
  row.add("goodput_fraction", goodput ? exact_number(goodput->fraction) : "");
  row.add("goodput_requests_per_s", goodput ? exact_number(goodput->requests_per_s) : "");
  for (const metrics::DistributionField& field : metrics::kDistributionFields) {
    add_distribution(row, field.name, m.*field.member);
  }
  row.add("percentiles_from_histograms", approximate_distributions(m, ";"));
  add_incomplete(row, m.incomplete);
  add_telemetry(row, benchmark);
  return row;
}

template <typename Part>
void append_line(std::string& out, const std::vector<Cell>& cells, Part part) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    append_csv_field(out, part(cells[i]));
  }
  out += '\n';
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string render_csv(const Report& report) {
  std::string out;
  // Columns do not depend on the data: an empty benchmark gives the header of any report.
  append_line(out, row_of(report, BenchmarkReport{}, 1).cells(),
              [](const Cell& cell) -> std::string_view { return cell.name; });
  for (std::size_t i = 0; i < report.benchmarks.size(); ++i) {
    append_line(out, row_of(report, report.benchmarks[i], i + 1).cells(),
                [](const Cell& cell) -> std::string_view { return cell.value; });
  }
  return out;
}

}  // namespace llmpace::report
