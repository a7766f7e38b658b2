#include "llmpace/report/compare.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>

#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"

using Catch::Matchers::Contains;
using llmpace::ProfileKind;
using llmpace::report::BenchmarkComparison;
using llmpace::report::BenchmarkReport;
using llmpace::report::compare_reports;
using llmpace::report::compare_to_json;
using llmpace::report::Comparison;
using llmpace::report::LabelledReport;
using llmpace::report::MetricComparison;
using llmpace::report::render_compare_console;
using llmpace::report::render_compare_csv;
using llmpace::report::Report;
using nlohmann::json;

namespace {

/// The sample report with every time halved (all distributions in ms) and every rate doubled:
/// a server twice as fast.
Report faster_sample() {
  Report report = llmpace::test::sample_report();
  for (BenchmarkReport& benchmark : report.benchmarks) {
    llmpace::metrics::BenchmarkMetrics& m = benchmark.metrics;
    for (const auto& field : llmpace::metrics::kDistributionFields) {
      if (!field.name.ends_with("_ms")) continue;
      auto& summary = m.*field.member;
      summary.mean *= 0.5;
      summary.stddev *= 0.5;
      summary.min *= 0.5;
      summary.max *= 0.5;
      for (const auto& percentile : llmpace::metrics::kPercentileFields) {
        summary.*percentile.member *= 0.5;
      }
    }
    m.throughput.requests_per_s *= 2;
    m.throughput.sent_requests_per_s *= 2;
    m.throughput.output_tokens_per_s *= 2;
    m.throughput.total_tokens_per_s *= 2;
  }
  report.created_at = "2025-01-03T03:04:05Z";
  return report;
}

std::vector<LabelledReport> sample_runs() {
  return {{"a", llmpace::test::sample_report()}, {"b", faster_sample()}};
}

const MetricComparison& metric(const BenchmarkComparison& row, const std::string& name) {
  for (const MetricComparison& m : row.metrics) {
    if (m.name == name) return m;
  }
  FAIL("no metric " << name);
  throw std::logic_error("unreachable");
}

bool has_metric(const BenchmarkComparison& row, const std::string& name) {
  for (const MetricComparison& m : row.metrics) {
    if (m.name == name) return true;
  }
  return false;
}

BenchmarkReport benchmark(ProfileKind profile, std::optional<double> rate, double ttft_p50_ms) {
  BenchmarkReport benchmark;
  benchmark.profile = profile;
  benchmark.rate = rate;
  benchmark.metrics.ttft_ms.count = 10;
  benchmark.metrics.ttft_ms.p50 = ttft_p50_ms;
  benchmark.metrics.throughput.requests_per_s = 1;
  return benchmark;
}

Report report_of(std::vector<BenchmarkReport> benchmarks, const std::string& profile = "") {
  Report report;
  report.llmpace_version = "0.1.0-test";
  if (!profile.empty()) report.run = {{"profile", profile}};
  report.benchmarks = std::move(benchmarks);
  return report;
}

void check_golden(const std::string& name, const std::string& text) {
  if (llmpace::test::updating_golden()) llmpace::test::write_golden(name, text);
  const std::string golden = llmpace::test::read_golden(name);
  REQUIRE_FALSE(golden.empty());
  INFO(text);
  CHECK(text == golden);
}

void check_width(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    INFO(line);
    CHECK(line.size() <= 120);
  }
}

}  // namespace

TEST_CASE("compare: a run twice as fast gives ratios of 0.5 and 2", "[compare]") {
  const Comparison comparison = compare_reports(sample_runs());
  REQUIRE(comparison.runs.size() == 2);
  CHECK(comparison.runs[0].label == "a");
  CHECK(comparison.runs[0].target == "http://127.0.0.1:8000");
  CHECK(comparison.runs[1].model == "mistral-small-24b");
  REQUIRE(comparison.benchmarks.size() == 3);

  for (const BenchmarkComparison& row : comparison.benchmarks) {
    INFO(to_string(row.profile));
    REQUIRE(row.runs.size() == 2);
    CHECK(row.runs[0].has_value());
    CHECK(row.runs[1].has_value());
    CHECK(row.sweep_position.has_value());  // the sample report is a sweep
    for (const char* name :
         {"ttft_ms_p50", "ttft_ms_p99", "itl_ms_p50", "itl_ms_p99", "itl_mean_ms_p50",
          "tpot_ms_p50", "tpot_ms_p99", "latency_ms_p50", "latency_ms_p99"}) {
      INFO(name);
      const MetricComparison& m = metric(row, name);
      REQUIRE(m.values.size() == 2);
      REQUIRE(m.ratios.size() == 2);
      if (!m.values[0]) continue;  // an empty distribution (tpot of the concurrent benchmark)
      CHECK(m.ratios[0] == 1.0);
      CHECK(m.ratios[1] == 0.5);
      CHECK(*m.values[1] == *m.values[0] * 0.5);
    }
    for (const char* name : {"requests_per_s", "output_tokens_per_s"}) {
      INFO(name);
      CHECK(metric(row, name).ratios[1] == 2.0);
    }
    CHECK_FALSE(has_metric(row, "goodput_fraction"));  // no run has an SLO
  }

  const BenchmarkComparison& synchronous = comparison.benchmarks[0];
  CHECK(synchronous.profile == ProfileKind::synchronous);
  CHECK(metric(synchronous, "ttft_ms_p50").values[0] == 180.0);
  CHECK(metric(synchronous, "ttft_ms_p50").values[1] == 90.0);
  // No errors in the baseline: values, but no ratio.
  CHECK(metric(synchronous, "requests_errored").values[0] == 0.0);
  CHECK_FALSE(metric(synchronous, "requests_errored").ratios[1].has_value());

  const BenchmarkComparison& constant = comparison.benchmarks[1];
  CHECK(constant.profile == ProfileKind::constant);
  CHECK(constant.runs[1]->rate == 2.5);
  CHECK(constant.runs[1]->index == 1);
  CHECK(metric(constant, "requests_errored").ratios[1] == 1.0);  // 3 and 3

  const BenchmarkComparison& concurrent = comparison.benchmarks[2];
  CHECK(concurrent.runs[0]->interrupted);
  CHECK(concurrent.runs[1]->interrupted);
}

TEST_CASE("compare: an empty distribution has no value and no ratio", "[compare]") {
  const Comparison comparison = compare_reports({
      {"a", report_of({benchmark(ProfileKind::concurrent, 2, 10)})},
      {"b", report_of({benchmark(ProfileKind::concurrent, 2, 20)})},
  });
  REQUIRE(comparison.benchmarks.size() == 1);
  const MetricComparison& itl = metric(comparison.benchmarks[0], "itl_ms_p50");  // count 0
  CHECK(itl.values == std::vector<std::optional<double>>{std::nullopt, std::nullopt});
  CHECK(itl.ratios == std::vector<std::optional<double>>{std::nullopt, std::nullopt});
  CHECK(metric(comparison.benchmarks[0], "ttft_ms_p50").ratios[1] == 2.0);
  CHECK_THAT(render_compare_console(comparison),
             Contains("\n  itl_ms p50                       -             -         -\n"));
  CHECK(compare_to_json(comparison).at("benchmarks").at(0).at("metrics").at("itl_ms_p50") ==
        json{{"values", {nullptr, nullptr}}, {"ratios", {nullptr, nullptr}}});
}

TEST_CASE("compare: golden console", "[compare][golden]") {
  const std::string text = render_compare_console(compare_reports(sample_runs()));
  check_width(text);
  CHECK_THAT(text, Contains("ttft_ms p50"));
  CHECK_THAT(text, Contains("0.50x"));
  CHECK_THAT(text, Contains("2.00x"));
  check_golden("compare_console.txt", text);
}

TEST_CASE("compare: golden CSV", "[compare][golden]") {
  const std::string text = render_compare_csv(compare_reports(sample_runs()));
  CHECK(text.starts_with("benchmark,profile,rate,metric,run,value,ratio_to_baseline\n"));
  CHECK_THAT(text, Contains("1,synchronous,,ttft_ms_p50,a,180,1\n"));
  CHECK_THAT(text, Contains("1,synchronous,,ttft_ms_p50,b,90,0.5\n"));
  CHECK_THAT(text, Contains("2,constant,2.5,requests_per_s,b,4,2\n"));
  check_golden("compare.csv", text);
}

TEST_CASE("compare: golden JSON", "[compare][golden]") {
  const json out = compare_to_json(compare_reports(sample_runs()));
  CHECK(out.at("baseline") == "a");
  const json& ttft = out.at("benchmarks").at(0).at("metrics").at("ttft_ms_p50");
  CHECK(ttft.at("values") == json::array({180.0, 90.0}));
  CHECK(ttft.at("ratios") == json::array({1.0, 0.5}));
  CHECK(out.at("benchmarks").at(0).at("metrics").at("requests_errored").at("ratios") ==
        json::array({nullptr, nullptr}));  // no errors in the baseline
  CHECK(out.at("benchmarks").at(1).at("runs").at(1).at("position") == 2);
  CHECK(json::parse(out.dump()) == out);

  if (llmpace::test::updating_golden()) {
    llmpace::test::write_golden("compare.json", out.dump(2) + "\n");
  }
  const std::string golden = llmpace::test::read_golden("compare.json");
  REQUIRE_FALSE(golden.empty());
  INFO(out.dump(2));
  CHECK(out == json::parse(golden));
}

TEST_CASE("compare: benchmarks match by profile and rate, unmatched ones are listed", "[compare]") {
  const Comparison comparison = compare_reports({
      {"a", report_of({benchmark(ProfileKind::concurrent, 2, 10),
                       benchmark(ProfileKind::concurrent, 4, 20)})},
      {"b", report_of({benchmark(ProfileKind::concurrent, 4, 30),
                       benchmark(ProfileKind::concurrent, 8, 40),
                       benchmark(ProfileKind::synchronous, std::nullopt, 5)})},
      {"c", report_of({benchmark(ProfileKind::concurrent, 8, 50)})},
  });
  REQUIRE(comparison.benchmarks.size() == 4);
  const auto& rows = comparison.benchmarks;
  // The baseline's benchmarks first, in order.
  CHECK(rows[0].runs[0]->rate == 2);
  CHECK_FALSE(rows[0].runs[1].has_value());
  CHECK_FALSE(rows[0].runs[2].has_value());
  CHECK(rows[1].runs[0]->rate == 4);
  CHECK(rows[1].runs[1]->index == 0);
  CHECK(metric(rows[1], "ttft_ms_p50").ratios[1] == 1.5);
  // Then what no earlier run had: b's rate 8 (shared with c) and b's synchronous.
  CHECK_FALSE(rows[2].runs[0].has_value());
  CHECK(rows[2].runs[1]->rate == 8);
  CHECK(rows[2].runs[2]->rate == 8);
  CHECK(metric(rows[2], "ttft_ms_p50").values ==
        std::vector<std::optional<double>>{std::nullopt, 40.0, 50.0});
  // No baseline value: no ratio.
  CHECK(metric(rows[2], "ttft_ms_p50").ratios ==
        std::vector<std::optional<double>>{std::nullopt, std::nullopt, std::nullopt});
  CHECK(rows[3].profile == ProfileKind::synchronous);
  CHECK_FALSE(rows[3].sweep_position.has_value());

  const std::string text = render_compare_console(comparison);
  CHECK_THAT(text, Contains("#1 concurrent 2  not in b, c\n"));
  CHECK_THAT(text, Contains("#3 concurrent 8  not in a\n"));
  const std::string csv = render_compare_csv(comparison);
  CHECK_THAT(csv, Contains("1,concurrent,2,ttft_ms_p50,a,10,1\n"));
  CHECK_THAT(csv, Contains("1,concurrent,,ttft_ms_p50,b,,\n"));
  const json out = compare_to_json(comparison);
  CHECK(out.at("benchmarks").at(0).at("runs").at(1).is_null());
}

TEST_CASE("compare: repeated benchmarks of the same profile and rate match in order", "[compare]") {
  const Comparison comparison = compare_reports({
      {"a", report_of({benchmark(ProfileKind::concurrent, 2, 10),
                       benchmark(ProfileKind::concurrent, 2, 20)})},
      {"b", report_of({benchmark(ProfileKind::concurrent, 2, 30),
                       benchmark(ProfileKind::concurrent, 2, 40)})},
  });
  REQUIRE(comparison.benchmarks.size() == 2);
  CHECK(metric(comparison.benchmarks[0], "ttft_ms_p50").ratios[1] == 3.0);
  CHECK(metric(comparison.benchmarks[1], "ttft_ms_p50").ratios[1] == 2.0);
}

TEST_CASE("compare: sweep stages match by position and profile, whatever their rates",
          "[compare]") {
  const auto sweep = [](double rate_scale) {
    return report_of({benchmark(ProfileKind::synchronous, std::nullopt, 10),
                      benchmark(ProfileKind::throughput, std::nullopt, 100),
                      benchmark(ProfileKind::constant, 1.5 * rate_scale, 20),
                      benchmark(ProfileKind::constant, 3 * rate_scale, 30)},
                     "sweep");
  };
  Report shorter = sweep(2);
  shorter.benchmarks.pop_back();
  const Comparison comparison = compare_reports({{"a", sweep(1)}, {"b", shorter}});
  REQUIRE(comparison.benchmarks.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(comparison.benchmarks[i].sweep_position == i);
  CHECK(comparison.benchmarks[2].runs[0]->rate == 1.5);
  CHECK(comparison.benchmarks[2].runs[1]->rate == 3.0);
  CHECK_FALSE(comparison.benchmarks[3].runs[1].has_value());

  const std::string text = render_compare_console(comparison);
  CHECK_THAT(text, Contains("#3 constant (sweep stage 3)\n"));
  CHECK_THAT(text, Contains("\n  rate                          1.50             3     2.00x\n"));
  CHECK_THAT(text, Contains("#4 constant 3 (sweep stage 4)  not in b\n"));

  // A sweep and a run that is not one: nothing is matched.
  const Comparison mixed = compare_reports(
      {{"a", sweep(1)}, {"b", report_of({benchmark(ProfileKind::synchronous, std::nullopt, 10)})}});
  CHECK(mixed.benchmarks.size() == 5);
}

TEST_CASE("compare: goodput is compared when a run has it", "[compare]") {
  std::vector<LabelledReport> runs = sample_runs();
  runs[1].report.benchmarks[1].metrics.goodput = llmpace::metrics::Goodput{
      .slo = "ttft_ms=200", .requests_met = 2, .fraction = 0.5, .requests_per_s = 1};
  runs[0].report.benchmarks[1].metrics.goodput = llmpace::metrics::Goodput{
      .slo = "ttft_ms=200", .requests_met = 1, .fraction = 0.25, .requests_per_s = 0.5};
  const Comparison comparison = compare_reports(runs);
  CHECK_FALSE(has_metric(comparison.benchmarks[0], "goodput_fraction"));
  const MetricComparison& goodput = metric(comparison.benchmarks[1], "goodput_fraction");
  CHECK(goodput.values == std::vector<std::optional<double>>{0.25, 0.5});
  CHECK(goodput.ratios[1] == 2.0);
  CHECK_THAT(render_compare_console(comparison), Contains("goodput_fraction"));

  runs[0].report.benchmarks[1].metrics.goodput.reset();
  const Comparison one_sided_comparison = compare_reports(runs);
  const MetricComparison& one_sided =
      metric(one_sided_comparison.benchmarks[1], "goodput_fraction");
  CHECK_FALSE(one_sided.values[0].has_value());
  CHECK_FALSE(one_sided.ratios[1].has_value());
}

TEST_CASE("compare: many runs are shown against the baseline within 120 columns", "[compare]") {
  std::vector<LabelledReport> runs;
  for (int i = 0; i < 6; ++i) {
    runs.push_back({fmt::format("a-rather-long-run-label-{}", i),
                    report_of({benchmark(ProfileKind::concurrent, 4, 10.0 * (i + 1))})});
  }
  const std::string text = render_compare_console(compare_reports(runs));
  check_width(text);
  CHECK_THAT(text, Contains("== a-rather-long-run-label-1, a-rather-long-run-label-2, "
                            "a-rather-long-run-label-3 against a-rather-long-run-label-0"));
  CHECK_THAT(text, Contains("== a-rather-long-run-label-4, a-rather-long-run-label-5 against"));
  CHECK_THAT(text, Contains("6.00x"));  // the last run against the baseline
}

TEST_CASE("compare: CSV fields are quoted as RFC 4180 asks", "[compare]") {
  const std::string csv = render_compare_csv(compare_reports({
      {"run \"a\", first", report_of({benchmark(ProfileKind::concurrent, 2, 10)})},
      {"b", report_of({benchmark(ProfileKind::concurrent, 2, 10)})},
  }));
  CHECK_THAT(csv, Contains("1,concurrent,2,ttft_ms_p50,\"run \"\"a\"\", first\",10,1\n"));
}

TEST_CASE("compare: nothing to compare", "[compare]") {
  CHECK(render_compare_console(compare_reports({})) == "No runs to compare.\n");
  const Comparison empty_runs = compare_reports({{"a", Report{}}, {"b", Report{}}});
  CHECK(empty_runs.benchmarks.empty());
  CHECK_THAT(render_compare_console(empty_runs), Contains("No benchmarks to compare."));
  CHECK(render_compare_csv(empty_runs) ==
        "benchmark,profile,rate,metric,run,value,ratio_to_baseline\n");
  CHECK(compare_to_json(empty_runs).at("benchmarks") == json::array());
}

TEST_CASE("compare: the GPU and KV footprints stand side by side when the runs scraped them",
          "[compare]") {
  // bf16 against INT4 on one GPU each: weights take 48 GB against 14 GB.
  const auto with_footprint = [](double fb_used_mib, double kv_capacity_tokens) {
    BenchmarkReport run = benchmark(ProfileKind::concurrent, 32, 100);
    llmpace::telemetry::TelemetrySummary summary;
    llmpace::telemetry::ServerTelemetry server;
    server.kv_capacity_tokens = kv_capacity_tokens;
    server.kv_cache_usage = llmpace::telemetry::GaugeStats{.mean = 0.5, .max = 0.9, .p95 = 0.9};
    summary.server = server;
    llmpace::telemetry::GpuTelemetry gpu;
    gpu.fb_used_mib =
        llmpace::telemetry::GaugeStats{.mean = fb_used_mib, .max = fb_used_mib, .p95 = fb_used_mib};
    gpu.util_percent = llmpace::telemetry::GaugeStats{.mean = 80, .max = 99, .p95 = 99};
    summary.gpus = {gpu, gpu};  // two GPUs: memory and power add up, utilisation averages
    run.telemetry = summary;
    return run;
  };
  const std::vector<LabelledReport> runs{{"bf16", report_of({with_footprint(70000, 134272)})},
                                         {"int4", report_of({with_footprint(35000, 341792)})}};
  const Comparison comparison = compare_reports(runs);
  REQUIRE(comparison.benchmarks.size() == 1);
  const MetricComparison& memory = metric(comparison.benchmarks[0], "gpu_fb_used_mib_max");
  CHECK(memory.values == std::vector<std::optional<double>>{140000, 70000});
  CHECK(memory.ratios[1] == 0.5);
  CHECK(metric(comparison.benchmarks[0], "server_kv_capacity_tokens").values[1] == 341792);
  CHECK(metric(comparison.benchmarks[0], "gpu_util_percent_mean").values[0] == 80);
  CHECK_FALSE(has_metric(comparison.benchmarks[0], "gpu_power_w_mean"));  // nobody exposed it
  const std::string console = render_compare_console(comparison);
  CHECK_THAT(console, Contains("GPU memory MiB max") && Contains("server KV tokens"));
  check_width(console);
  // Runs without telemetry show none of these rows.
  CHECK_FALSE(has_metric(compare_reports(sample_runs()).benchmarks[0], "gpu_fb_used_mib_max"));
}
