// HTML writer: the page is self-contained (nothing external, no script), escapes what it shows,
// and has the expected structure: header, cards, one table row per run per benchmark, five
// charts. No golden file: the layout changes too often for one to be worth its churn.
#include "llmpace/report/html_writer.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "llmpace/report/svg_chart.hpp"
#include "unit/report/sample_report.hpp"
#include "unit/report/text_checks.hpp"

using llmpace::report::kHtmlChartTitles;
using llmpace::report::LabelledReport;
using llmpace::report::render_html;

using llmpace::test::contains;
using llmpace::test::count_of;

namespace {

/// `text` without any occurrence of `part`.
std::string without(std::string text, const std::string& part) {
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at)) {
    text.erase(at, part.size());
  }
  return text;
}

/// The text between the first `open` and the next `close`.
std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const std::size_t start = text.find(open);
  if (start == std::string::npos) return "";
  const std::size_t end = text.find(close, start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string render_one(const llmpace::report::Report& report, const std::string& label = "") {
  return render_html({LabelledReport{label, report}});
}

/// Checks that nothing in `page` makes a browser fetch or run anything.
void check_self_contained(const std::string& page) {
  for (const char* forbidden :
       {"http://", "https://", "<script", "@import", "url(", "src=", "href=", "<link", "<img",
        "<iframe", "<object", "<embed", "@font-face", "xmlns"}) {
    INFO(forbidden);
    CHECK_FALSE(contains(page, forbidden));
  }
}

}  // namespace

TEST_CASE("html: a self-contained page with no external reference or script", "[html]") {
  const std::string page = render_one(llmpace::test::sample_report());
  REQUIRE(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count_of(page, "<style>") == 1);
  CHECK(contains(page, "</html>"));
  // The run's target is shown as text (the sample's is an http:// URL); nothing else may be.
  CHECK(count_of(page, "http://127.0.0.1:8000") == 1);
  check_self_contained(without(page, "http://127.0.0.1:8000"));
}

TEST_CASE("html: text from the report is escaped", "[html]") {
  auto report = llmpace::test::sample_report();
  report.run["model"] = "<script>&\"";
  report.run["target"] = "sim";
  report.benchmarks[0].stop_reason = "<b>stop</b>";  // a string read back from a report file
  const std::string page = render_html({LabelledReport{"<i>label</i>", report}});
  CHECK(contains(page, "&lt;script&gt;&amp;&quot;"));
  CHECK(contains(page, "&lt;b&gt;stop&lt;/b&gt;"));
  CHECK(contains(page, "&lt;i&gt;label&lt;/i&gt;"));
  CHECK_FALSE(contains(page, "<b>"));
  CHECK_FALSE(contains(page, "<i>"));
  check_self_contained(page);
}

TEST_CASE("html: header from the run, and the interrupted banner", "[html]") {
  const std::string page = render_one(llmpace::test::sample_report());
  const std::string header = between(page, "<header>", "</header>");
  CHECK(contains(header, "0.1.0-test"));
  CHECK(contains(header, "2025-01-02T03:04:05Z"));
  CHECK(contains(header, "mistral-small-24b"));
  CHECK(contains(header, "<dt>api</dt><dd>chat</dd>"));
  CHECK(contains(header, "Interrupted."));
  CHECK(contains(page, "<title>llmpace report: mistral-small-24b</title>"));

  auto quiet = llmpace::test::sample_report();
  quiet.interrupted = false;
  quiet.run = nlohmann::json::object();  // no target, model nor api
  const std::string quiet_page = render_one(quiet);
  const std::string quiet_header = between(quiet_page, "<header>", "</header>");
  CHECK_FALSE(contains(quiet_header, "Interrupted."));
  CHECK_FALSE(contains(quiet_header, "<dt>model</dt>"));
  CHECK(contains(quiet_header, "<dt>benchmarks</dt><dd>3</dd>"));

  quiet.run = nlohmann::json::array();  // not an object: ignored
  CHECK(contains(render_one(quiet), "<dt>benchmarks</dt>"));
}

TEST_CASE("html: every chart, one svg each", "[html]") {
  const std::string page = render_one(llmpace::test::sample_report());
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size());
  CHECK(count_of(page, "</svg>") == kHtmlChartTitles.size());
  CHECK(count_of(page, "<figure>") == kHtmlChartTitles.size());
  for (const std::string_view title : kHtmlChartTitles) {
    INFO(title);
    CHECK(contains(page, "<title>" + std::string(title) + "</title>"));
  }
  // The latency distribution runs over every percentile field.
  CHECK(contains(page, ">p0.1</text>"));
  CHECK(contains(page, ">p99.9</text>"));
}

TEST_CASE("html: summary cards", "[html]") {
  auto report = llmpace::test::sample_report();
  const std::string page = render_one(report);
  const std::string cards = between(page, "<div class=\"cards\">", "</section>");
  CHECK(contains(cards, "Successful requests"));
  CHECK(contains(cards,
                 "<div class=\"card bad\"><div class=\"k\">Errored requests</div>"
                 "<div class=\"v\">3</div>"));
  CHECK(contains(cards, "Incomplete requests"));
  CHECK(contains(cards, "Best output throughput"));
  CHECK(contains(cards, "Best request rate"));
  CHECK(contains(cards, "TTFT p50"));
  CHECK_FALSE(contains(cards, "Client-limited"));

  report.benchmarks[1].metrics.client_limited = true;
  const std::string limited = render_one(report);
  CHECK(contains(limited, "<div class=\"card warn\"><div class=\"k\">Client-limited</div>"));
  CHECK(contains(limited, "<span class=\"flag warn\">client-limited</span>"));
}

TEST_CASE("html: the table has a row per benchmark and its flags", "[html]") {
  auto report = llmpace::test::sample_report();
  const std::string page = render_one(report);
  const std::string body = between(page, "<tbody>", "</tbody>");
  CHECK(count_of(body, "<tr") == report.benchmarks.size());
  CHECK(contains(body, "<span class=\"flag bad\">interrupted</span>"));
  CHECK(contains(body, "<span class=\"stop\">requests_done</span>"));
  CHECK(contains(body, "title=\"http_status 2, idle_timeout 1\""));
  CHECK_FALSE(contains(page, ">goodput</th>"));
  CHECK(contains(page, "constant 2.50: 3 errored (http_status 2, idle_timeout 1)"));

  report.benchmarks[1].metrics.goodput =
      llmpace::metrics::Goodput{.slo = "ttft_ms<=500", .requests_met = 3, .fraction = 3.0 / 7};
  const std::string with_goodput = render_one(report);
  CHECK(contains(with_goodput, ">goodput</th>"));
  CHECK(contains(with_goodput, "42.9%"));
  CHECK(contains(with_goodput, "ttft_ms&lt;=500"));
}

TEST_CASE("html: a comparison of two runs", "[html]") {
  const auto first = llmpace::test::sample_report();
  auto second = first;
  second.interrupted = false;
  second.benchmarks.pop_back();
  const std::string page =
      render_html({LabelledReport{"baseline", first}, LabelledReport{"candidate", second}});
  CHECK(contains(page, "llmpace comparison"));
  CHECK(contains(page, "<title>llmpace comparison: baseline vs candidate</title>"));
  CHECK(contains(page, "<h3>baseline</h3>"));
  CHECK(contains(page, "<h3>candidate</h3>"));
  CHECK(contains(page, ">run</th>"));
  const std::string body = between(page, "<tbody>", "</tbody>");
  CHECK(count_of(body, "<tr") == first.benchmarks.size() + second.benchmarks.size());
  CHECK(count_of(body, "<td class=\"l wrap\">candidate</td>") == second.benchmarks.size());
  // Still five charts, each run a series of its own on the same axes.
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size());
  CHECK(contains(page, "<title>baseline · p50</title>"));
  CHECK(contains(page, "<title>candidate · p99</title>"));
  CHECK(contains(page, "<title>candidate</title>"));  // throughput series
  CHECK(contains(page, "Run baseline was stopped by a signal"));
  check_self_contained(without(page, "http://127.0.0.1:8000"));
}

TEST_CASE("html: unnamed runs of a comparison are numbered", "[html]") {
  const auto report = llmpace::test::sample_report();
  const std::string page = render_html({LabelledReport{"", report}, LabelledReport{"", report}});
  CHECK(contains(page, "<h3>run 1</h3>"));
  CHECK(contains(page, "<h3>run 2</h3>"));
}

TEST_CASE("html: a single benchmark draws visible points", "[html]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks.resize(1);
  const std::string page = render_one(report);
  CHECK(count_of(page, "<svg") == kHtmlChartTitles.size());
  // TTFT and ITL: p50 and p99 markers; throughput: one marker. With their tooltips.
  const std::string ttft = between(page, "<title>TTFT vs request rate</title>", "</svg>");
  CHECK(count_of(ttft, "<circle") == 1 + 1);  // p50 point + legend
  CHECK(count_of(ttft, "<rect") == 1 + 1);    // p99 point + legend
  const std::string throughput =
      between(page, "<title>Output throughput vs request rate</title>", "</svg>");
  CHECK(count_of(throughput, "<circle") == 1 + 1);
  CHECK_FALSE(contains(throughput, "no data"));
}

TEST_CASE("html: missing values show as a dash, never nan", "[html]") {
  auto report = llmpace::test::sample_report();
  report.benchmarks[0].metrics.throughput.output_tokens_per_s = std::nan("");
  report.benchmarks[0].metrics.ttft_ms.p99 = std::nan("");
  report.benchmarks[0].metrics.latency_ms.p50 = std::numeric_limits<double>::infinity();
  const std::string page = render_one(report);
  // As a value or inside one: ">nan<", "nan," in points, "-nan" ("dominant" is fine).
  for (const char* bad : {">nan", "nan<", "nan,", ",nan", "\"nan", "nan\"", " nan", "-nan", ">inf",
                          "inf<", "inf,", ",inf", "\"inf", "inf\"", " inf", "NaN"}) {
    INFO(bad);
    CHECK_FALSE(contains(page, bad));
  }
  CHECK(contains(page, "<td class=\"na\">-</td>"));
}

TEST_CASE("html: no benchmarks, no runs", "[html]") {
  llmpace::report::Report empty;
  empty.llmpace_version = "1.2.3";
  const std::string page = render_one(empty);
  CHECK(contains(page, "No benchmarks ran."));
  CHECK(count_of(page, "<svg") == 0);
  CHECK(contains(page, "docs/metrics.md"));

  const std::string nothing = render_html({});
  CHECK(contains(nothing, "No runs."));
  CHECK(contains(nothing, "</html>"));
}

TEST_CASE("html: the footer names the definitions", "[html]") {
  const std::string page = render_one(llmpace::test::sample_report());
  const std::string footer = between(page, "<footer>", "</footer>");
  CHECK(contains(footer, "docs/metrics.md"));
  CHECK(contains(footer, "docs/report-schema.md"));
}

TEST_CASE("html: the latency distribution shows at most five benchmarks of a long sweep",
          "[html]") {
  auto report = llmpace::test::sample_report();
  const auto first = report.benchmarks[0];
  report.benchmarks.clear();
  for (int i = 0; i < 10; ++i) {
    report.benchmarks.push_back(first);
    report.benchmarks.back().profile = llmpace::ProfileKind::constant;
    report.benchmarks.back().rate = i + 1;
  }
  const std::string page = render_one(report);
  const std::string chart = between(page, "<title>Latency distribution</title>", "</figure>");
  CHECK(count_of(chart, "<polyline") == 5);
  CHECK(contains(chart, "<title>constant 1</title>"));
  CHECK(contains(chart, "<title>constant 10</title>"));
  CHECK(contains(chart, "5 of 10 benchmarks shown"));
}
