// RequestTally (metrics/request_tally.hpp) as the engine uses it: each worker tallies its own
// requests as they end, the coordinator merges the tallies. The report must be the one the
// records themselves give, and say which percentiles came from histograms.
#include "llmpace/metrics/request_tally.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/json_writer.hpp"
#include "llmpace/report/report.hpp"
#include "unit/report/shard_reports.hpp"

using llmpace::metrics::BenchmarkResult;
using llmpace::metrics::RequestTally;
using llmpace::metrics::WindowPhase;
using nlohmann::json;

namespace {

/// Walks `actual` and `expected` together: the same keys, strings, integers and booleans, and
/// floating-point numbers equal within 1e-12 relative (sums taken in another order differ in
/// their last bits). `path` names the place in a failure.
void require_same_json(const json& actual, const json& expected, const std::string& path) {
  INFO(path);
  REQUIRE(actual.type() == expected.type());
  if (expected.is_object()) {
    REQUIRE(actual.size() == expected.size());
    for (const auto& [key, value] : expected.items()) {
      REQUIRE(actual.contains(key));
      require_same_json(actual.at(key), value, path + "." + key);
    }
  } else if (expected.is_array()) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      require_same_json(actual.at(i), expected.at(i), path + "[" + std::to_string(i) + "]");
    }
  } else if (expected.is_number_float()) {
    REQUIRE(actual.get<double>() == Approx(expected.get<double>()).epsilon(1e-12));
  } else {
    REQUIRE(actual == expected);
  }
}

json benchmark_json(const BenchmarkResult& result) {
  return llmpace::report::benchmark_to_json(llmpace::report::make_benchmark_report(result));
}

/// `whole` with its records tallied by `workers` workers the way the open loop splits them
/// (request n to worker n mod workers), the tallies merged and the records dropped.
BenchmarkResult tallied_by_workers(const BenchmarkResult& whole, std::uint64_t workers) {
  std::vector<RequestTally> tallies(workers, RequestTally(whole.start, whole.slo));
  for (const auto& record : whole.records) tallies[record.index % workers].add(record);
  BenchmarkResult result = whole;
  result.records.clear();
  result.tally = RequestTally(whole.start, whole.slo);
  for (RequestTally& tally : tallies) result.tally.merge(std::move(tally));
  return result;
}

void require_same_report(const BenchmarkResult& from_records, const BenchmarkResult& tallied) {
  REQUIRE(tallied.records.empty());
  REQUIRE(tallied.tally.size() == from_records.records.size());
  require_same_json(benchmark_json(tallied), benchmark_json(from_records), "benchmark");
}

}  // namespace

TEST_CASE("tally: three workers' tallies merged give the report of every record", "[tally]") {
  const BenchmarkResult whole = llmpace::test::synthetic_benchmark(600);
  require_same_report(whole, tallied_by_workers(whole, 3));
}

TEST_CASE("tally: with a warmup and a cooldown, the same window and figures", "[tally]") {
  BenchmarkResult whole = llmpace::test::synthetic_benchmark(600);
  for (auto& record : whole.records) {
    if (record.index < 30) record.phase = WindowPhase::warmup;
    if (record.index >= 570) record.phase = WindowPhase::cooldown;
  }
  const BenchmarkResult tallied = tallied_by_workers(whole, 4);
  require_same_report(whole, tallied);
  const auto metrics = llmpace::metrics::compute_metrics(tallied);
  REQUIRE(metrics.requests.warmup == 30);
  REQUIRE(metrics.requests.cooldown == 30);
}

TEST_CASE("tally: more token gaps than are kept make the ITL percentiles approximate, and say so",
          "[tally]") {
  // 300 requests of 500 token chunks: 149,700 gaps, past SampleSet::kExactSampleLimit; 300 TTFTs.
  std::vector<llmpace::metrics::RequestRecord> records;
  for (std::uint64_t n = 0; n < 300; ++n) {
    const double sent_ms = static_cast<double>(n) * 10;
    auto record = llmpace::test::successful_record(sent_ms, 5, {}, sent_ms);
    record.index = n;
    double at_ms = sent_ms + 20 + static_cast<double>(n % 13);
    for (int chunk = 0; chunk < 500; ++chunk) {
      record.token_chunk_times.push_back(llmpace::test::at_ms(at_ms));
      at_ms += 1 + 0.01 * static_cast<double>((n + static_cast<std::uint64_t>(chunk)) % 97);
    }
    record.first_token = record.token_chunk_times.front();
    record.done = llmpace::test::at_ms(at_ms);
    record.output_tokens = 500;
    records.push_back(std::move(record));
  }
  const BenchmarkResult result = llmpace::test::result_of(std::move(records), 10000);
  llmpace::report::Report report;
  report.benchmarks.push_back(llmpace::report::make_benchmark_report(result));
  const json benchmark = llmpace::report::benchmark_to_json(report.benchmarks.front());
  REQUIRE(benchmark["metrics"]["itl_ms"]["count"] == 300 * 499);
  REQUIRE(benchmark["metrics"]["itl_ms"]["percentiles_exact"] == false);
  REQUIRE(benchmark["metrics"]["ttft_ms"]["percentiles_exact"] == true);
  REQUIRE(benchmark["metrics"]["itl_mean_ms"]["percentiles_exact"] == true);
  const std::string console = llmpace::report::render_console(report);
  REQUIRE_THAT(console, Catch::Contains("percentiles of itl_ms from histograms, within 0.1 %"));
}
