// What incomplete requests measured, in the reports: JSON round trip (and reports written before
// the field existed), console lines, CSV columns (docs/metrics.md#incomplete-requests).
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/csv_writer.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/json_writer.hpp"
#include "unit/metrics/record_factory.hpp"
#include "unit/report/sample_report.hpp"
#include "unit/report/text_checks.hpp"

using llmpace::ConfigError;
using llmpace::report::render_console;
using llmpace::report::render_csv;
using llmpace::report::report_from_json;
using llmpace::report::to_json;
using llmpace::test::contains;
using llmpace::test::incomplete_record;
using llmpace::test::result_of;
using nlohmann::json;

namespace {

/// One concurrent benchmark stopped by its time limit before any request ended: two requests
/// with a first token (TTFT 300 and 500 ms; gaps 10, 20, 30 ms) and two still waiting (800 and
/// 600 ms).
llmpace::report::Report saturated_report() {
  auto result = result_of(
      {
          incomplete_record(0, {300, 310, 330, 360}, 1000),
          incomplete_record(100, {600}, 1000),
          incomplete_record(200, {}, 1000),
          incomplete_record(400, {}, 1000),
      },
      1000, llmpace::ProfileKind::concurrent);
  result.rate = 4;
  result.stop_reason = llmpace::metrics::StopReason::max_seconds;
  llmpace::report::Report report;
  report.llmpace_version = "0.1.0-test";
  report.benchmarks.push_back(llmpace::report::make_benchmark_report(result));
  return report;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

/// The cell of `name` in the first data row of a CSV whose cells hold no comma or quote.
std::string csv_cell(const std::string& csv, const std::string& name) {
  const std::vector<std::string> lines = split(csv, '\n');
  REQUIRE(lines.size() == 2);
  const std::vector<std::string> header = split(lines[0], ',');
  std::vector<std::string> row = split(lines[1], ',');
  if (!lines[1].empty() && lines[1].back() == ',') row.emplace_back();  // getline drops it
  REQUIRE(row.size() == header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return row[i];
  }
  FAIL("no column " << name);
  return "";
}

}  // namespace

TEST_CASE("incomplete report: JSON carries the figures and reads them back", "[incomplete]") {
  const auto report = saturated_report();
  const json written = to_json(report);
  const json& incomplete = written.at("benchmarks").at(0).at("incomplete");
  CHECK(incomplete.at("with_first_token") == 2);
  CHECK(incomplete.at("ttft_ms").at("count") == 2);
  CHECK(incomplete.at("ttft_ms").at("p50") == 400.0);
  CHECK(incomplete.at("itl_ms").at("count") == 3);
  CHECK(incomplete.at("waited_ms").at("count") == 2);
  CHECK(incomplete.at("waited_ms").at("max") == 800.0);
  CHECK(incomplete.at("token_chunks").at("max") == 4.0);
  // Never in the successful requests' distributions.
  CHECK(written.at("benchmarks").at(0).at("metrics").at("ttft_ms").at("count") == 0);

  const auto read = report_from_json(written);
  const auto& figures = read.benchmarks.at(0).metrics.incomplete;
  CHECK(figures.with_first_token == 2);
  CHECK(figures.ttft_ms.p50 == 400);
  CHECK(figures.itl_ms.p50 == 20);
  CHECK(figures.waited_ms.min == 600);
  CHECK(figures.token_chunks.count == 2);
  CHECK(to_json(read) == written);
}

TEST_CASE("incomplete report: a report written before the field reads as without figures",
          "[incomplete]") {
  json old = to_json(saturated_report());
  old["benchmarks"][0].erase("incomplete");
  const auto read = report_from_json(old);
  CHECK(read.benchmarks.at(0).metrics.requests.incomplete == 4);
  CHECK(read.benchmarks.at(0).metrics.incomplete.with_first_token == 0);
  CHECK(read.benchmarks.at(0).metrics.incomplete.ttft_ms.count == 0);
  CHECK(read.benchmarks.at(0).metrics.incomplete.waited_ms.count == 0);
}

TEST_CASE("incomplete report: a malformed field is an error naming it", "[incomplete]") {
  const json good = to_json(saturated_report());
  const auto error_of = [](const json& document) -> std::string {
    try {
      report_from_json(document, "report 'r.json'");
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "";
  };
  json bad = good;
  bad["benchmarks"][0]["incomplete"] = 3;
  CHECK(error_of(bad) ==
        "report 'r.json': field 'benchmarks[0].incomplete' should be an object, not a number");
  bad = good;
  bad["benchmarks"][0]["incomplete"].erase("waited_ms");
  CHECK(error_of(bad) == "report 'r.json': missing field 'benchmarks[0].incomplete.waited_ms'");
  bad = good;
  bad["benchmarks"][0]["incomplete"]["with_first_token"] = -1;
  CHECK(contains(error_of(bad),
                 "'benchmarks[0].incomplete.with_first_token' should be a "
                 "non-negative integer"));
}

TEST_CASE("incomplete report: the console shows what they measured under the table",
          "[incomplete][console]") {
  const std::string out = render_console(saturated_report());
  INFO(out);
  const std::string expected =
      "\nRequests that did not succeed:\n"
      "  concurrent 4: 4 incomplete (cancelled when the benchmark stopped)\n"
      "    2 got a first token: TTFT p50 400.0 / p99 498.0 ms; ITL p50 20.0 / p99 29.8 ms (3 "
      "gaps)\n"
      "    2 got no token: waited p50 700.0 / max 800.0 ms by the stop (their TTFT is longer)\n";
  CHECK(contains(out, expected));
}

TEST_CASE("incomplete report: the console leaves out an empty group", "[incomplete][console]") {
  // The sample's interrupted benchmark: one request with a single token (no gap), one without.
  const std::string out = render_console(llmpace::test::sample_report());
  INFO(out);
  CHECK(contains(out, "    1 got a first token: TTFT p50 1448 / p99 1448 ms\n"));
  CHECK(contains(out, "    1 got no token: waited p50 497.0 / max 497.0 ms by the stop"));

  auto report = saturated_report();
  report.benchmarks[0].metrics.incomplete.waited_ms = {};
  const std::string without_waiting = render_console(report);
  CHECK(contains(without_waiting, "2 got a first token"));
  CHECK_FALSE(contains(without_waiting, "got no token"));
}

TEST_CASE("incomplete report: CSV key columns", "[incomplete][csv]") {
  const std::string csv = render_csv(saturated_report());
  INFO(csv);
  CHECK(csv_cell(csv, "incomplete_with_first_token") == "2");
  CHECK(csv_cell(csv, "incomplete_ttft_ms_p50") == "400");
  CHECK(csv_cell(csv, "incomplete_ttft_ms_p99") == "498");
  CHECK(csv_cell(csv, "incomplete_itl_ms_p50") == "20");
  CHECK(csv_cell(csv, "incomplete_waited_ms_count") == "2");
  CHECK(csv_cell(csv, "incomplete_waited_ms_p50") == "700");
  CHECK(csv_cell(csv, "ttft_ms_count") == "0");

  auto report = saturated_report();
  report.benchmarks[0].metrics.incomplete = {};
  const std::string empty = render_csv(report);
  CHECK(csv_cell(empty, "incomplete_with_first_token") == "0");
  CHECK(csv_cell(empty, "incomplete_ttft_ms_p50").empty());
  CHECK(csv_cell(empty, "incomplete_itl_ms_p50").empty());
  CHECK(csv_cell(empty, "incomplete_waited_ms_p50").empty());
}
