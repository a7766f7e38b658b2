// merge_shard_reports(): the shards of a synthetic benchmark merged and compared with the whole
// benchmark computed from all records at once; then every refusal.
#include "llmpace/report/report_merge.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "llmpace/core/error.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/json_writer.hpp"
#include "unit/report/golden.hpp"
#include "unit/report/shard_reports.hpp"

using namespace llmpace;
using Catch::Matchers::Contains;
using llmpace::test::shard_reports;
using llmpace::test::synthetic_benchmark;
using nlohmann::json;

namespace {

constexpr std::uint64_t kRequests = 400;

/// Each shard's report written to JSON and read back, as `llmpace report merge` reads files.
std::vector<report::ShardReport> through_json(std::vector<report::ShardReport> shards) {
  for (report::ShardReport& shard : shards) {
    shard.report = report::report_from_json(report::to_json(shard.report), shard.file);
  }
  return shards;
}

std::string refusal_of(const std::vector<report::ShardReport>& shards) {
  try {
    report::merge_shard_reports(shards);
  } catch (const ConfigError& error) {
    return error.what();
  }
  FAIL("the merge was not refused");
  return "";
}

/// Checks `merged` against the exact summary `whole`: counts, extremes, mean and stddev exact (to
/// rounding), every percentile within the stated relative error.
void check_summary(std::string_view name, const metrics::DistributionSummary& merged,
                   const metrics::DistributionSummary& whole, double relative_error) {
  INFO(name);
  CHECK(merged.count == whole.count);
  CHECK(merged.min == whole.min);
  CHECK(merged.max == whole.max);
  CHECK(merged.mean == Approx(whole.mean).epsilon(1e-12).margin(1e-12));
  CHECK(merged.stddev == Approx(whole.stddev).epsilon(1e-9).margin(1e-9));
  for (const metrics::PercentileField& field : metrics::kPercentileFields) {
    INFO(field.name << ": merged " << merged.*field.member << ", exact " << whole.*field.member);
    CHECK(std::abs(merged.*field.member - whole.*field.member) <=
          relative_error * std::abs(whole.*field.member) + 1e-12);
  }
}

}  // namespace

TEST_CASE("report merge: the shards of a benchmark merge into the whole", "[merge]") {
  const metrics::BenchmarkResult whole_result = synthetic_benchmark(kRequests);
  const metrics::BenchmarkMetrics whole = metrics::compute_metrics(whole_result);
  REQUIRE(whole.requests.errored > 0);
  REQUIRE(whole.requests.incomplete > 0);
  const std::size_t count = GENERATE(1, 2, 3);
  INFO(count << " shards");

  const report::Report merged =
      report::merge_shard_reports(through_json(shard_reports(whole_result, count)));
  REQUIRE(merged.benchmarks.size() == 1);
  const metrics::BenchmarkMetrics& m = merged.benchmarks[0].metrics;
  REQUIRE(m.mergeable);
  const double relative_error = merged.merge.at("percentile_relative_error").get<double>();
  CHECK(relative_error == std::ldexp(1.0, -10));

  // Counts are sums, exact.
  CHECK(m.requests.successful == whole.requests.successful);
  CHECK(m.requests.errored == whole.requests.errored);
  CHECK(m.requests.incomplete == whole.requests.incomplete);
  CHECK(m.errors_by_kind == whole.errors_by_kind);
  CHECK(m.output_tokens_source == whole.output_tokens_source);
  CHECK(merged.benchmarks[0].workers == static_cast<int>(count));

  // The union of the windows is the whole's, and every rate is taken over it.
  CHECK(m.mergeable->window_start_unix_s == whole.mergeable->window_start_unix_s);
  CHECK(m.mergeable->window_end_unix_s == Approx(whole.mergeable->window_end_unix_s));
  CHECK(m.duration_s == Approx(whole.duration_s).epsilon(1e-12));
  CHECK(m.throughput.requests_per_s == Approx(whole.throughput.requests_per_s).epsilon(1e-12));
  CHECK(m.throughput.sent_requests_per_s ==
        Approx(whole.throughput.sent_requests_per_s).epsilon(1e-12));
  CHECK(m.throughput.output_tokens_per_s ==
        Approx(whole.throughput.output_tokens_per_s).epsilon(1e-12));
  CHECK(m.throughput.total_tokens_per_s ==
        Approx(whole.throughput.total_tokens_per_s).epsilon(1e-12));

  // Mean concurrency from the summed integrals is exact; the maximum is only bounded.
  CHECK(m.concurrency.mean == Approx(whole.concurrency.mean).epsilon(1e-12));
  CHECK(m.concurrency.max >= whole.concurrency.max);
  CHECK(m.concurrency.max_is_upper_bound == (count > 1));

  REQUIRE(m.goodput);
  REQUIRE(whole.goodput);
  CHECK(whole.goodput->requests_met > 0);
  CHECK(m.goodput->requests_met == whole.goodput->requests_met);
  CHECK(m.goodput->fraction == Approx(whole.goodput->fraction).epsilon(1e-12));
  CHECK(m.goodput->requests_per_s == Approx(whole.goodput->requests_per_s).epsilon(1e-12));

  for (const metrics::DistributionField& field : metrics::kDistributionFields) {
    check_summary(field.name, m.*field.member, whole.*field.member, relative_error);
  }
  CHECK(m.incomplete.with_first_token == whole.incomplete.with_first_token);
  for (const metrics::IncompleteDistributionField& field : metrics::kIncompleteDistributionFields) {
    check_summary(field.name, m.incomplete.*field.member, whole.incomplete.*field.member,
                  relative_error);
  }
  // The first message of a kind comes from the lowest shard that has one.
  CHECK(m.first_error_by_kind.size() == whole.first_error_by_kind.size());

  // No timeline (it does not merge); the merge object lists the shards.
  CHECK_FALSE(m.has_timeline);
  CHECK(merged.merge.at("shard_count") == count);
  CHECK(merged.merge.at("shards").size() == count);
  CHECK(merged.merge.at("shards").at(0).at("file") == "shard_0.json");
  CHECK_FALSE(merged.run.contains("shard"));
  CHECK(merged.run.at("run_id") == "run-1");
}

TEST_CASE("report merge: the merged report is written, read back and merged again unchanged",
          "[merge]") {
  const report::Report merged =
      report::merge_shard_reports(through_json(shard_reports(synthetic_benchmark(60), 2)));
  const json written = report::to_json(merged);
  CHECK(written.at("benchmarks").at(0).at("timeline").is_null());
  CHECK(written.at("benchmarks").at(0).at("concurrency").at("max_is_upper_bound") == true);
  CHECK(written.at("merge").at("not_merged").size() > 0);
  // Every output says what is approximate: percentiles from histograms, the maximum a bound.
  const std::string console = report::render_console(merged);
  CHECK_THAT(console, Catch::Matchers::Contains("concurrency max is an upper bound"));
  CHECK_THAT(console, Catch::Matchers::Contains("from histograms, within 0.1 %"));
  const std::string html = report::render_html({{"", merged}});
  CHECK_THAT(html, Catch::Matchers::Contains("concurrency max is an upper bound"));
  CHECK_THAT(html, Catch::Matchers::Contains("from histograms, within 0.1 %"));
  const report::Report read = report::report_from_json(written, "merged");
  CHECK(report::to_json(read) == written);

  // A merged report is shard 0 of 1 with histograms: merged alone, its figures stay the same.
  const report::Report again = report::merge_shard_reports({{"merged.json", read}});
  const metrics::BenchmarkMetrics& a = merged.benchmarks[0].metrics;
  const metrics::BenchmarkMetrics& b = again.benchmarks[0].metrics;
  CHECK(b.requests.total() == a.requests.total());
  CHECK(b.ttft_ms.p99 == a.ttft_ms.p99);
  CHECK(b.ttft_ms.stddev == Approx(a.ttft_ms.stddev).epsilon(1e-12));
  CHECK(b.concurrency.mean == Approx(a.concurrency.mean).epsilon(1e-12));
}

TEST_CASE("report merge: shards given in any order merge by their index", "[merge]") {
  auto shards = through_json(shard_reports(synthetic_benchmark(60), 3));
  const json in_order = report::to_json(report::merge_shard_reports(shards));
  std::swap(shards[0], shards[2]);
  const json reversed = report::to_json(report::merge_shard_reports(shards));
  CHECK(reversed == in_order);
}

TEST_CASE("report merge: reports that are not the shards of one run are refused", "[merge]") {
  auto shards = through_json(shard_reports(synthetic_benchmark(60), 2));

  SECTION("none") { CHECK_THAT(refusal_of({}), Contains("no shard reports")); }
  SECTION("written before histograms") {
    shards[1].report.benchmarks[0].metrics.mergeable.reset();
    CHECK_THAT(refusal_of(shards),
               Contains("report 'shard_1.json': benchmark 1 has no histograms"));
  }
  SECTION("a report read from a file without histograms") {
    json old = report::to_json(shards[1].report);
    old["benchmarks"][0].erase("histograms");
    shards[1].report = report::report_from_json(old, "old");
    CHECK_THAT(refusal_of(shards), Contains("'shard_1.json': benchmark 1 has no histograms"));
  }
  SECTION("different runs") {
    shards[1].report.run["model"] = "other";
    const std::string message = refusal_of(shards);
    CHECK_THAT(message, Contains("'shard_0.json' and report 'shard_1.json' are not shards of one"));
    CHECK_THAT(message, Contains("run/model"));
  }
  SECTION("different run ids") {
    shards[0].report.run["run_id"] = "run-2";
    CHECK_THAT(refusal_of(shards), Contains("run sections differ at 'run/run_id'"));
  }
  SECTION("different shard counts") {
    shards[1].report.run["shard"]["count"] = 3;
    CHECK_THAT(refusal_of(shards),
               Contains("report 'shard_1.json' is shard 1 of 3 but report 'shard_0.json' is "
                        "shard 0 of 2"));
  }
  SECTION("a shard given twice") {
    shards.push_back(shards[1]);
    shards.back().file = "copy.json";
    CHECK_THAT(refusal_of(shards),
               Contains("report 'shard_1.json' and report 'copy.json' are both shard 1 of 2"));
  }
  SECTION("a shard missing") {
    auto three = through_json(shard_reports(synthetic_benchmark(60), 4));
    three.erase(three.begin() + 2);
    three.erase(three.begin() + 1);
    CHECK_THAT(refusal_of(three), Contains("shards 1, 2 of 4 are missing"));
    shards.pop_back();
    CHECK_THAT(refusal_of(shards), Contains("shard 1 of 2 is missing"));
  }
  SECTION("a malformed shard position") {
    shards[1].report.run["shard"] = {{"index", 2}, {"count", 2}};
    CHECK_THAT(refusal_of(shards), Contains("report 'shard_1.json': run.shard should be"));
  }
  SECTION("different numbers of benchmarks") {
    shards[1].report.benchmarks.push_back(shards[1].report.benchmarks[0]);
    CHECK_THAT(refusal_of(shards),
               Contains("report 'shard_1.json' has 2 benchmarks but report 'shard_0.json' has 1"));
  }
  SECTION("different rates") {
    shards[0].report.benchmarks[0].rate = 40;
    CHECK_THAT(refusal_of(shards),
               Contains("benchmark 1: report 'shard_1.json' is constant at 20 but report "
                        "'shard_0.json' is constant at 40"));
  }
  SECTION("different profiles") {
    shards[1].report.benchmarks[0].profile = ProfileKind::poisson;
    CHECK_THAT(refusal_of(shards), Contains("'shard_1.json' is poisson at 20"));
  }
  SECTION("windows that do not overlap") {
    auto& data = *shards[1].report.benchmarks[0].metrics.mergeable;
    data.window_start_unix_s += 3600;
    data.window_end_unix_s += 3600;
    CHECK_THAT(refusal_of(shards),
               Contains("benchmark 1: the window of report 'shard_0.json' ends at"));
    CHECK_THAT(refusal_of(shards), Contains("before that of report 'shard_1.json' starts"));
  }
  SECTION("histograms of different precision") {
    auto& histogram = shards[1].report.benchmarks[0].metrics.mergeable->histograms[4];
    histogram = metrics::LogHistogram(0.01);
    CHECK_THAT(refusal_of(shards),
               Contains("benchmark 1: histogram latency_ms of report 'shard_1.json' has relative "
                        "error 0.0078125"));
  }
  SECTION("different goodput objectives") {
    shards[1].report.benchmarks[0].metrics.goodput->slo = "ttft_ms=90";
    CHECK_THAT(refusal_of(shards), Contains("goodput SLOs differ"));
  }
}

TEST_CASE("report merge: per-shard keys of the run are kept per shard", "[merge]") {
  auto shards = through_json(shard_reports(synthetic_benchmark(60), 2));
  shards[0].report.run["start_late_ms"] = 0.25;
  shards[1].report.run["start_late_ms"] = 1.5;
  const report::Report merged = report::merge_shard_reports(shards);
  CHECK_FALSE(merged.run.contains("start_late_ms"));
  CHECK(merged.merge.at("shards").at(1).at("run").at("start_late_ms") == 1.5);
  CHECK(merged.merge.at("shards").at(1).at("run").at("shard").at("index") == 1);
  CHECK(merged.host.empty());  // the shards ran on different hosts
}

// The two shard reports the integration tests merge with the llmpace binary
// (tests/integration/report_merge_test.cpp), pinned here.
TEST_CASE("report merge: golden shard reports", "[merge][golden]") {
  const auto shards = shard_reports(synthetic_benchmark(12), 2);
  for (const report::ShardReport& shard : shards) {
    const std::string name = "merge_" + shard.file;
    const std::string text = report::to_json(shard.report).dump(2) + "\n";
    if (llmpace::test::updating_golden()) llmpace::test::write_golden(name, text);
    const std::string golden = llmpace::test::read_golden(name);
    REQUIRE_FALSE(golden.empty());
    CHECK(json::parse(text) == json::parse(golden));
  }
}
