#include "llmpace/report/console_writer.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"
#include "unit/report/text_checks.hpp"

using llmpace::report::render_console;

using llmpace::test::contains;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("console: golden table", "[console][golden]") {
  const std::string out = render_console(llmpace::test::sample_report());
  if (llmpace::test::updating_golden()) llmpace::test::write_golden("report_console.txt", out);
  INFO(out);
  CHECK(out == llmpace::test::read_golden("report_console.txt"));
}

TEST_CASE("console: fits 120 columns", "[console]") {
  auto report = llmpace::test::sample_report();
  // The longest profile name, marked interrupted, and large numbers must not widen the table.
  report.benchmarks[0].profile = llmpace::ProfileKind::synchronous;
  report.benchmarks[0].interrupted = true;
  report.benchmarks[1].metrics.throughput.output_tokens_per_s = 1234567.8;
  report.benchmarks[1].metrics.latency_ms.p50 = 9876543.0;
  for (const std::string& line : lines_of(render_console(report))) {
    INFO(line);
    CHECK(line.size() <= 120);
  }
}

TEST_CASE("console: title from the run, errors under the table", "[console]") {
  const std::string out = render_console(llmpace::test::sample_report());
  CHECK(lines_of(out).front() ==
        "llmpace 0.1.0-test  target http://127.0.0.1:8000  model mistral-small-24b  api chat");
  CHECK(contains(out, "constant 2.50: 3 errored (http_status 2, idle_timeout 1)"));
  CHECK(contains(out, "concurrent 8: 2 incomplete"));
  CHECK(contains(out, "concurrent*"));
  CHECK(contains(out, "Run interrupted"));
}

TEST_CASE("console: a run without errors, keys or samples stays quiet", "[console]") {
  llmpace::report::Report report;
  report.llmpace_version = "1.2.3";
  report.benchmarks.push_back({.profile = llmpace::ProfileKind::throughput,
                               .rate = {},
                               .interrupted = false,
                               .stop_reason = "max_seconds",
                               .workers = 1,
                               .metrics = {},
                               .settle = {},
                               .telemetry = {},
                               .diagnosis = {}});
  report.benchmarks.back().metrics.output_tokens_source = "server_usage";
  const std::string out = render_console(report);
  const auto lines = lines_of(out);
  CHECK(lines.front() == "llmpace 1.2.3");
  CHECK_FALSE(contains(out, "errored"));
  CHECK_FALSE(contains(out, "interrupted"));
  CHECK_FALSE(contains(out, "one per chunk"));
  // Empty distributions print "-" rather than a fake zero.
  const auto row = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("throughput", 0) == 0;
  });
  REQUIRE(row != lines.end());
  CHECK(contains(*row, "-"));
  CHECK_FALSE(contains(*row, "0.000"));
}

TEST_CASE("console: no benchmarks", "[console]") {
  llmpace::report::Report report;
  report.llmpace_version = "1.2.3";
  report.run = {{"target", "http://h:1"}, {"model", nullptr}};
  CHECK(render_console(report) == "llmpace 1.2.3  target http://h:1\nNo benchmarks ran.\n");
}

TEST_CASE("console: notes say how each benchmark ran", "[console]") {
  llmpace::report::Report report;
  report.llmpace_version = "1.2.3";
  report.benchmarks.push_back({.profile = llmpace::ProfileKind::constant,
                               .rate = 50.0,
                               .interrupted = false,
                               .stop_reason = "max_errors",
                               .workers = 2,
                               .metrics = {},
                               .settle = {},
                               .telemetry = {},
                               .diagnosis = {}});
  auto& metrics = report.benchmarks.back().metrics;
  metrics.client_limited = true;
  metrics.dispatch_lag_ms.count = 10;
  metrics.dispatch_lag_ms.p99 = 3.5;
  metrics.requests.dropped = 7;
  metrics.requests.warmup = 4;
  metrics.requests.cooldown = 2;
  metrics.goodput = llmpace::metrics::Goodput{
      .slo = "ttft_ms=200", .requests_met = 9, .fraction = 0.9, .requests_per_s = 4.5};
  const std::string out = render_console(report);
  CHECK(contains(out, "How the benchmarks ran:"));
  CHECK(contains(out, "constant 50: CLIENT-LIMITED: dispatch lag p99 3.50 ms exceeds 1 ms"));
  CHECK(contains(out, "constant 50: goodput 90.0% (9 requests, 4.50 req/s) meeting ttft_ms=200"));
  CHECK(contains(out, "constant 50: 7 dropped at the concurrency cap"));
  CHECK(contains(out, "constant 50: ended early by --max-errors"));
  CHECK(contains(out, "constant 50: 4 warmup and 2 cooldown requests left out"));
}
