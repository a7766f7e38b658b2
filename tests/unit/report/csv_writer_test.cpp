// CSV report: golden file, RFC 4180 shape (parsed back by a strict reader), column names.
#include "llmpace/report/csv_writer.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"

using llmpace::report::render_csv;

namespace {

using Table = std::vector<std::vector<std::string>>;

// A strict RFC 4180 reader: a quote may only open a field or be doubled inside a quoted one,
// every row ends with "\n". Throws std::runtime_error on anything else.
Table parse_csv(const std::string& text) {
  Table rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (nothing may follow its end quote)
  bool at_start = true;     // nothing of the current field read yet
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == ',' || c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      at_start = true;
      was_quoted = false;
      if (c == '\n') {
        rows.push_back(std::move(row));
        row.clear();
      }
      continue;
    }
    if (was_quoted) throw std::runtime_error("text after a closing quote");
    if (c == '"') {
      if (!at_start) throw std::runtime_error("quote inside an unquoted field");
      quoted = was_quoted = true;
    } else if (c == '\r') {
      throw std::runtime_error("carriage return outside quotes");
    } else {
      field += c;
    }
    at_start = false;
  }
  if (quoted || !field.empty() || !row.empty()) throw std::runtime_error("unterminated row");
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  FAIL("no column " << name);
  return 0;
}

// The cell of `name` in data row `row` (1-based, as the benchmark column).
std::string cell(const Table& table, std::size_t row, const std::string& name) {
  return table.at(row).at(column(table.at(0), name));
}

llmpace::report::Report tricky_report() {
  auto report = llmpace::test::sample_report();
  report.benchmarks[0].stop_reason = "my,reason \"quoted\"\nsecond line";
  report.run["model"] = "org/model, v2";
  report.benchmarks[1].metrics.goodput =
      llmpace::metrics::Goodput{"ttft_ms=200,tpot_ms=50", 3, 0.75, 1.5};
  return report;
}

}  // namespace

TEST_CASE("csv: golden report", "[csv][golden]") {
  const std::string out = render_csv(llmpace::test::sample_report());
  if (llmpace::test::updating_golden()) llmpace::test::write_golden("report.csv", out);
  INFO(out);
  CHECK(out == llmpace::test::read_golden("report.csv"));
}

TEST_CASE("csv: every row has as many fields as the header", "[csv]") {
  for (const auto& report : {llmpace::test::sample_report(), tricky_report()}) {
    const Table table = parse_csv(render_csv(report));
    REQUIRE(table.size() == 1 + report.benchmarks.size());
    for (const auto& row : table) CHECK(row.size() == table.front().size());
  }
}

TEST_CASE("csv: column names are unique, snake_case, and cover every distribution", "[csv]") {
  const Table table = parse_csv(render_csv(llmpace::report::Report{}));
  REQUIRE(table.size() == 1);  // no benchmarks: the header alone
  const auto& header = table.front();
  const std::set<std::string> names(header.begin(), header.end());
  CHECK(names.size() == header.size());
  for (const std::string& name : header) {
    INFO(name);
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos);
  }
  CHECK(header.at(0) == "llmpace_version");
  CHECK(header.at(4) == "benchmark");
  const std::size_t per_distribution = 5 + llmpace::metrics::kPercentileFields.size();
  constexpr std::size_t kIncompleteColumns = 6;  // incomplete_with_first_token ...
  constexpr std::size_t kTelemetryColumns = 14;  // server_kv_cache_usage_mean ... settle_s
  CHECK(header.size() == 35 + llmpace::metrics::kDistributionFields.size() * per_distribution +
                             kIncompleteColumns + kTelemetryColumns);
  CHECK(names.count("incomplete_ttft_ms_p50") == 1);
  for (const auto& field : llmpace::metrics::kDistributionFields) {
    const std::string name(field.name);
    for (const char* statistic : {"count", "mean", "stddev", "min", "max"}) {
      CHECK(names.count(name + "_" + statistic) == 1);
    }
    for (const auto& percentile : llmpace::metrics::kPercentileFields) {
      CHECK(names.count(name + "_" + std::string(percentile.name)) == 1);
    }
  }
  CHECK(names.count("ttft_ms_p99_9") == 1);
  CHECK(names.count("output_tokens_mean") == 1);
}

TEST_CASE("csv: fields with a comma, quote or line break are quoted", "[csv]") {
  const std::string out = render_csv(tricky_report());
  CHECK(out.find("\"my,reason \"\"quoted\"\"\nsecond line\"") != std::string::npos);
  CHECK(out.find(",\"org/model, v2\",") != std::string::npos);
  CHECK(out.find(",\"ttft_ms=200,tpot_ms=50\",") != std::string::npos);
  const Table table = parse_csv(out);
  CHECK(cell(table, 1, "stop_reason") == "my,reason \"quoted\"\nsecond line");
  CHECK(cell(table, 1, "model") == "org/model, v2");
  CHECK(cell(table, 2, "goodput_slo") == "ttft_ms=200,tpot_ms=50");
  // Plain fields stay bare.
  CHECK(out.find("\"constant\"") == std::string::npos);
  CHECK(out.find(",constant,") != std::string::npos);
}

TEST_CASE("csv: values", "[csv]") {
  const Table table = parse_csv(render_csv(tricky_report()));
  CHECK(cell(table, 1, "llmpace_version") == "0.1.0-test");
  CHECK(cell(table, 1, "created_at") == "2025-01-02T03:04:05Z");
  CHECK(cell(table, 1, "target") == "http://127.0.0.1:8000");
  CHECK(cell(table, 3, "benchmark") == "3");
  CHECK(cell(table, 1, "rate").empty());  // synchronous: no rate
  CHECK(cell(table, 2, "rate") == "2.5");
  CHECK(cell(table, 3, "rate") == "8");
  CHECK(cell(table, 1, "interrupted") == "false");
  CHECK(cell(table, 3, "interrupted") == "true");
  CHECK(cell(table, 1, "duration_s") == "3");
  CHECK(cell(table, 2, "requests_total") == "7");
  CHECK(cell(table, 2, "errors_by_kind") == "http_status=2;idle_timeout=1");
  CHECK(cell(table, 1, "errors_by_kind").empty());
  CHECK(cell(table, 2, "output_tokens_source") == "mixed");
  CHECK(cell(table, 1, "ttft_ms_p50") == "180");
  CHECK(cell(table, 2, "send_lag_ms_max") == "1.5");
  // Goodput only where there is an SLO.
  CHECK(cell(table, 2, "goodput_requests_met") == "3");
  CHECK(cell(table, 2, "goodput_fraction") == "0.75");
  CHECK(cell(table, 2, "goodput_requests_per_s") == "1.5");
  for (const char* name :
       {"goodput_slo", "goodput_requests_met", "goodput_fraction", "goodput_requests_per_s"}) {
    CHECK(cell(table, 1, name).empty());
  }
  CHECK(cell(table, 1, "concurrency_max_is_upper_bound") == "false");
  CHECK(cell(table, 1, "percentiles_from_histograms").empty());
}

TEST_CASE("csv: approximate percentiles and a merged concurrency maximum are marked", "[csv]") {
  auto report = tricky_report();
  report.benchmarks[1].metrics.itl_ms.percentiles_exact = false;
  report.benchmarks[1].metrics.tpot_ms.percentiles_exact = false;
  report.benchmarks[1].metrics.concurrency.max_is_upper_bound = true;
  const Table table = parse_csv(render_csv(report));
  CHECK(cell(table, 2, "percentiles_from_histograms") == "itl_ms;tpot_ms");
  CHECK(cell(table, 2, "concurrency_max_is_upper_bound") == "true");
  CHECK(cell(table, 1, "percentiles_from_histograms").empty());
}

TEST_CASE("csv: an empty distribution has a count of 0 and empty statistics", "[csv]") {
  llmpace::report::Report report;
  report.benchmarks.push_back({.profile = llmpace::ProfileKind::throughput,
                               .rate = {},
                               .interrupted = false,
                               .stop_reason = "max_seconds",
                               .workers = 2,
                               .metrics = {},
                               .settle = {},
                               .telemetry = {},
                               .diagnosis = {}});
  const Table table = parse_csv(render_csv(report));
  REQUIRE(table.size() == 2);
  CHECK(cell(table, 1, "model").empty());  // no run configuration
  CHECK(cell(table, 1, "workers") == "2");
  CHECK(cell(table, 1, "ttft_ms_count") == "0");
  for (const char* name : {"ttft_ms_mean", "ttft_ms_stddev", "ttft_ms_min", "ttft_ms_max",
                           "ttft_ms_p0_1", "ttft_ms_p50", "ttft_ms_p99_9", "prompt_tokens_mean"}) {
    INFO(name);
    CHECK(cell(table, 1, name).empty());
  }
  // Rates are real zeros, not missing values.
  CHECK(cell(table, 1, "requests_per_s") == "0");
}

TEST_CASE("csv: numbers use the shortest round-trip form", "[csv]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks[0].metrics.throughput.requests_per_s = 0.1 + 0.2;
  report.benchmarks[0].metrics.throughput.output_tokens_per_s = 1.0 / 3.0;
  const Table table = parse_csv(render_csv(report));
  CHECK(std::stod(cell(table, 1, "requests_per_s")) == 0.1 + 0.2);
  CHECK(cell(table, 1, "requests_per_s") == "0.30000000000000004");
  CHECK(std::stod(cell(table, 1, "output_tokens_per_s")) == 1.0 / 3.0);
}
