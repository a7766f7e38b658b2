// What the reports say about errors a user can act on: every error kind with its count and first
// message (console, HTML, JSON and its reader), and requests with a bad usage object (console,
// HTML, JSON, CSV, request log). The text helpers one_line, error_kind_text, usage_problems_text.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/csv_writer.hpp"
#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/json_writer.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/report/request_log.hpp"
#include "unit/metrics/record_factory.hpp"
#include "unit/report/sample_report.hpp"
#include "unit/report/text_checks.hpp"

using Catch::Matchers::Contains;
using llmpace::report::error_kind_text;
using llmpace::report::one_line;
using llmpace::report::usage_problems_text;
using llmpace::test::contains;
using nlohmann::json;
namespace metrics = llmpace::metrics;
namespace report = llmpace::report;

namespace {

/// Columns of a UTF-8 line: its code points (every byte that does not continue a sequence).
std::size_t columns_of(const std::string& line) {
  std::size_t columns = 0;
  for (const char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return columns;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The lines of the console listing error kinds: indented by four, under their benchmark's line,
/// starting with the kind's name (the incomplete requests' lines start with a count).
std::vector<std::string> kind_lines(const std::string& text) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.size() > 4 && line.rfind("    ", 0) == 0 && line[4] >= 'a' && line[4] <= 'z') {
      found.push_back(line);
    }
  }
  return found;
}

/// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

/// The cell of `column` in CSV row `row` (1 = first benchmark); the sample has no quoted cells.
std::string csv_cell(const std::string& csv, std::size_t row, const std::string& column) {
  const auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::istringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
  };
  const std::vector<std::string> lines = lines_of(csv);
  const std::vector<std::string> header = split(lines.at(0));
  const std::vector<std::string> cells = split(lines.at(row));
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return cells.at(i);
  }
  FAIL("no column " << column);
  return "";
}

/// The sample report's constant benchmark: http_status 2 and idle_timeout 1, a bad usage object.
const metrics::BenchmarkMetrics& constant_metrics(const report::Report& sample) {
  return sample.benchmarks.at(1).metrics;
}

constexpr const char* kFirstHttpMessage =
    "HTTP 503: {\"error\": {\"message\": \"server overloaded\",\n  \"type\": \"unavailable\"}}";

}  // namespace

// ---- text helpers
// --------------------------------------------------------------------------------

TEST_CASE("one_line: white space and control runs become one space", "[report_text][errors]") {
  CHECK(one_line("HTTP 500:\n{\r\n\t\"error\":   \"x\"\n}\n", 200) ==
        "HTTP 500: { \"error\": \"x\" }");
  CHECK(one_line("  \n leading and trailing \t ", 200) == "leading and trailing");
  // A terminal escape loses its ESC (and a C1 CSI is dropped), so it cannot recolour the screen.
  CHECK(one_line("red\x1b[31m text\xc2\x9b"
                 "0m",
                 200) == "red [31m text 0m");
  // A right-to-left override cannot reverse what follows it.
  CHECK(one_line("HTTP 500: \xe2\x80\xae"
                 "evil",
                 200) == "HTTP 500: evil");
  CHECK(one_line("", 10).empty());
}

TEST_CASE("one_line: a long text is cut to the width, ending in ...", "[report_text][errors]") {
  CHECK(one_line("0123456789", 10) == "0123456789");
  CHECK(one_line("0123456789A", 10) == "0123456...");
  // Code points, not bytes: "é" is one column, never split.
  CHECK(one_line("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5) == "\xc3\xa9\xc3\xa9...");
  // No space left dangling before the ellipsis.
  CHECK(one_line("ab   cd efgh", 6) == "ab...");
  CHECK(one_line("abcdef", 2) == "..");
}

TEST_CASE("one_line: malformed UTF-8 becomes U+FFFD", "[report_text][errors]") {
  CHECK(one_line("a\xff"
                 "b",
                 10) ==
        "a\xef\xbf\xbd"
        "b");
}

TEST_CASE("error_kind_text: the kind, its count and its first message", "[report_text][errors]") {
  metrics::BenchmarkMetrics m;
  m.errors_by_kind = {{"http_status", 2}, {"stream_error", 1}};
  m.first_error_by_kind = {{"http_status", "HTTP 503:\nService Unavailable"}};
  CHECK(error_kind_text(m, "http_status", 120) ==
        "http_status 2, first: HTTP 503: Service Unavailable");
  CHECK(error_kind_text(m, "stream_error", 120) == "stream_error 1");  // no message kept

  m.first_error_by_kind["http_status"] = std::string(500, 'x');
  const std::string cut = error_kind_text(m, "http_status", 80);
  CHECK(cut.size() == 80);
  CHECK(cut.rfind("http_status 2, first: xxx", 0) == 0);
  CHECK(cut.substr(77) == "...");
  // However narrow, some of the message stays.
  CHECK(error_kind_text(m, "http_status", 10).size() ==
        std::string("http_status 2, first: ").size() + 40);
}

TEST_CASE("usage_problems_text: count, an example and what it changed", "[report_text][usage]") {
  metrics::UsageProblems problems;
  CHECK(usage_problems_text(problems, 120).empty());
  problems.requests = 3;
  problems.first_message = "completion_tokens is negative (-5)";
  CHECK(
      usage_problems_text(problems, 200) ==
      "3 requests had a bad usage object, e.g. completion_tokens is negative (-5); output counted "
      "from chunks");
  problems.requests = 1;
  CHECK(usage_problems_text(problems, 200) ==
        "1 request had a bad usage object: completion_tokens is negative (-5); output counted from "
        "chunks");
  problems.first_message = std::string(400, 'y');
  const std::string cut = usage_problems_text(problems, 120);
  CHECK(cut.size() == 120);
  CHECK_THAT(cut, Contains("y...; output counted from chunks"));
  problems.first_message.clear();  // as read from a report that had none
  CHECK(usage_problems_text(problems, 120) ==
        "1 request had a bad usage object; output counted from chunks");
}

// ---- console ---------------------------------------------------------------------------------

TEST_CASE("console: every error kind with its count and first message", "[console][errors]") {
  const std::string out = report::render_console(llmpace::test::sample_report());
  const std::vector<std::string> lines = lines_of(out);
  const auto summary = std::find(lines.begin(), lines.end(),
                                 "  constant 2.50: 3 errored (http_status 2, idle_timeout 1)");
  REQUIRE(summary != lines.end());
  // Right under the summary, in kind order, each message on one line.
  REQUIRE(lines.end() - summary > 2);
  CHECK(summary[1] ==
        "    http_status 2, first: HTTP 503: {\"error\": {\"message\": \"server overloaded\", "
        "\"type\": \"unavailable\"}}");
  CHECK(summary[2] == "    idle_timeout 1, first: no bytes for 300 ms (idle timeout)");
}

TEST_CASE("console: the bad usage line", "[console][usage]") {
  const std::string out = report::render_console(llmpace::test::sample_report());
  std::vector<std::string> usage_lines;
  for (const std::string& line : lines_of(out)) {
    if (contains(line, "bad usage object")) usage_lines.push_back(line);
  }
  // Only the constant benchmark had one, and the line fits in 120 columns.
  CHECK(usage_lines ==
        std::vector<std::string>{"  constant 2.50: 1 request had a bad usage object: "
                                 "completion_tokens is negative (-5); output counted from chunks"});
}

TEST_CASE("console: long messages stay within 120 columns", "[console][errors]") {
  report::Report sample = llmpace::test::sample_report();
  metrics::BenchmarkMetrics& m = sample.benchmarks.at(1).metrics;
  std::string huge = "HTTP 500: <html>\n<body>";
  for (int i = 0; i < 200; ++i) huge += "caf\xc3\xa9 \n";
  m.first_error_by_kind["http_status"] = huge;
  m.usage_problems.requests = 12;
  m.usage_problems.first_message = huge;
  const std::string out = report::render_console(sample);
  const std::vector<std::string> kind_lines = lines_starting(out, "    http_status 2, first: ");
  REQUIRE(kind_lines.size() == 1);
  CHECK(columns_of(kind_lines[0]) == 120);
  CHECK(kind_lines[0].substr(kind_lines[0].size() - 3) == "...");
  // Its fixed words leave less than 40 columns: the message keeps 40, the line runs longer.
  const std::vector<std::string> usage_lines = lines_starting(out, "  constant 2.50: 12 requests ");
  REQUIRE(usage_lines.size() == 1);
  const std::string& usage = usage_lines[0];
  const std::string kTail = "; output counted from chunks";
  const std::size_t from = usage.find(", e.g. ") + 7;
  REQUIRE(usage.size() > from + kTail.size());
  CHECK(usage.substr(usage.size() - kTail.size()) == kTail);
  const std::string message = usage.substr(from, usage.size() - kTail.size() - from);
  CHECK(columns_of(message) == 40);
  CHECK(message.rfind("HTTP 500: <html> <body>caf\xc3\xa9 ", 0) == 0);
  CHECK(message.substr(message.size() - 3) == "...");
  for (const std::string& line : lines_of(out)) {
    if (line == usage) continue;
    INFO(line);
    CHECK(columns_of(line) <= 120);
  }
}

TEST_CASE("console: no kind lines without errors", "[console][errors]") {
  const std::string out = report::render_console(llmpace::test::sample_report());
  CHECK(kind_lines(out).size() == 2);  // the constant benchmark's two kinds only
}

// ---- HTML ------------------------------------------------------------------------------------

TEST_CASE("html: the error note lists every kind with its first message", "[html][errors]") {
  const std::string page =
      report::render_html({report::LabelledReport{"", llmpace::test::sample_report()}});
  CHECK(contains(page,
                 "constant 2.50: 3 errored (http_status 2, idle_timeout 1)<ul><li>http_status 2, "
                 "first: HTTP 503: {&quot;error&quot;: {&quot;message&quot;: &quot;server "
                 "overloaded&quot;, &quot;type&quot;: &quot;unavailable&quot;}}</li><li>"
                 "idle_timeout 1, first: no bytes for 300 ms (idle timeout)</li></ul>"));
  CHECK(contains(page,
                 "<li>constant 2.50: 1 request had a bad usage object: completion_tokens is "
                 "negative (-5); output counted from chunks</li>"));
}

TEST_CASE("html: a message cannot inject markup", "[html][errors]") {
  report::Report sample = llmpace::test::sample_report();
  sample.benchmarks.at(1).metrics.first_error_by_kind["http_status"] =
      "HTTP 502: <script>alert(1)</script>";
  const std::string page = report::render_html({report::LabelledReport{"", sample}});
  CHECK_FALSE(contains(page, "<script>"));
  CHECK(contains(page, "HTTP 502: &lt;script&gt;alert(1)&lt;/script&gt;"));
}

// ---- JSON ------------------------------------------------------------------------------------

TEST_CASE("json: first_error_by_kind and usage_problems values", "[json][errors]") {
  const json benchmarks = report::to_json(llmpace::test::sample_report()).at("benchmarks");
  CHECK(benchmarks.at(0).at("first_error_by_kind") == json::object());
  CHECK(benchmarks.at(0).at("usage_problems") == json{{"requests", 0}, {"first_message", nullptr}});
  // The whole message, newline included: only the console and HTML make it one line.
  CHECK(benchmarks.at(1).at("first_error_by_kind") ==
        json{{"http_status", kFirstHttpMessage},
             {"idle_timeout", "no bytes for 300 ms (idle timeout)"}});
  CHECK(benchmarks.at(1).at("usage_problems") ==
        json{{"requests", 1}, {"first_message", "completion_tokens is negative (-5)"}});
  CHECK(benchmarks.at(1).at("errors_by_kind") == json{{"http_status", 2}, {"idle_timeout", 1}});
}

TEST_CASE("json reader: first errors and usage problems round-trip", "[json_reader][errors]") {
  const report::Report sample = llmpace::test::sample_report();
  const report::Report read = report::report_from_json(report::to_json(sample));
  CHECK(constant_metrics(read).first_error_by_kind == constant_metrics(sample).first_error_by_kind);
  CHECK(constant_metrics(read).first_error_by_kind.at("http_status") == kFirstHttpMessage);
  CHECK(constant_metrics(read).usage_problems.requests == 1);
  CHECK(constant_metrics(read).usage_problems.first_message ==
        "completion_tokens is negative (-5)");
  CHECK(read.benchmarks.at(0).metrics.usage_problems.first_message.empty());
}

TEST_CASE("json reader: a report from before these fields still reads", "[json_reader][errors]") {
  json old = report::to_json(llmpace::test::sample_report());
  for (json& benchmark : old.at("benchmarks")) {
    benchmark.erase("first_error_by_kind");
    benchmark.erase("usage_problems");
  }
  const report::Report read = report::report_from_json(old);
  CHECK(constant_metrics(read).first_error_by_kind.empty());
  CHECK(constant_metrics(read).usage_problems.requests == 0);
  CHECK(constant_metrics(read).errors_by_kind.at("http_status") == 2);
  // Its console shows the kinds with their counts, without messages.
  const std::string out = report::render_console(read);
  CHECK(kind_lines(out) == std::vector<std::string>{"    http_status 2", "    idle_timeout 1"});
}

TEST_CASE("json reader: mistyped first errors and usage problems are named",
          "[json_reader][errors]") {
  const json written = report::to_json(llmpace::test::sample_report());
  const auto error_of = [](const json& document) -> std::string {
    try {
      report::report_from_json(document);
    } catch (const llmpace::ConfigError& error) {
      return error.what();
    }
    return "";
  };
  json changed = written;
  changed["benchmarks"][1]["first_error_by_kind"]["http_status"] = 5;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].first_error_by_kind.http_status'") &&
                                    Contains("should be a string"));
  changed = written;
  changed["benchmarks"][1]["first_error_by_kind"] = json::array();
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].first_error_by_kind'"));
  changed = written;
  changed["benchmarks"][1]["usage_problems"]["requests"] = -1;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].usage_problems.requests'"));
  changed = written;
  changed["benchmarks"][1]["usage_problems"]["first_message"] = 3;
  CHECK_THAT(error_of(changed), Contains("'benchmarks[1].usage_problems.first_message'"));
  changed = written;
  changed["benchmarks"][1]["usage_problems"].erase("first_message");
  CHECK_THAT(error_of(changed),
             Contains("missing field 'benchmarks[1].usage_problems.first_message'"));
}

// ---- CSV and the request log -------------------------------------------------------------

TEST_CASE("csv: usage_problems counts the requests with a bad usage object", "[csv][usage]") {
  const std::string csv = report::render_csv(llmpace::test::sample_report());
  CHECK(csv_cell(csv, 1, "usage_problems") == "0");
  CHECK(csv_cell(csv, 2, "usage_problems") == "1");
  CHECK(csv_cell(csv, 3, "usage_problems") == "0");
  CHECK(csv_cell(csv, 2, "errors_by_kind") == "http_status=2;idle_timeout=1");
}

TEST_CASE("request log: usage_problem when the usage object was wrong", "[request_log][usage]") {
  metrics::RequestRecord record = llmpace::test::successful_record(0, 5, {10, 20}, 30);
  CHECK(report::record_to_json(record, llmpace::test::at_ms(0), 0).at("usage_problem").is_null());
  record.usage_problem = "completion_tokens is negative (-5)";
  CHECK(report::record_to_json(record, llmpace::test::at_ms(0), 0).at("usage_problem") ==
        "completion_tokens is negative (-5)");
}
