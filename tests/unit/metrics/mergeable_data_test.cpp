// MergeableData from compute_metrics(): the measured window on the wall clock, the integral of
// requests in flight, and histograms of exactly the samples of each summary.
#include <catch2/catch.hpp>
#include <chrono>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using namespace llmpace;
using llmpace::metrics::compute_metrics;
using llmpace::test::at_ms;
using llmpace::test::errored_record;
using llmpace::test::incomplete_record;
using llmpace::test::result_of;
using llmpace::test::successful_record;
using llmpace::test::with_usage;

namespace {

const auto kWallStart = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'000'000);

void check_histogram_matches(std::string_view name, const metrics::LogHistogram& histogram,
                             const metrics::DistributionSummary& summary) {
  INFO(name);
  CHECK(histogram.count() == summary.count);
  CHECK(histogram.min() == summary.min);
  CHECK(histogram.max() == summary.max);
  CHECK(histogram.mean() == Approx(summary.mean).epsilon(1e-12));
}

}  // namespace

TEST_CASE("mergeable data: each histogram holds the samples of its own summary",
          "[compute_metrics][mergeable]") {
  auto result = result_of({
      with_usage(successful_record(0, 40, {180, 200, 230, 250}, 260), 4),
      with_usage(successful_record(100, 35, {150, 171, 196}, 300), 7),
      successful_record(250, 42, {310, 331, 352, 380, 400}, 401),
      errored_record(300, ErrorKind::http_status, 320),
      incomplete_record(400, {700, 730}, 1000),
      incomplete_record(500, {}, 1000),
  });
  result.records[1].prompt_tokens = 250;
  result.records[2].scheduled = at_ms(249.25);
  for (auto& record : result.records) record.dispatched = record.scheduled + from_ms(0.125);
  result.records[3].dispatched = result.records[3].scheduled + from_ms(2);
  const metrics::BenchmarkMetrics m = compute_metrics(result);
  REQUIRE(m.mergeable);
  // Distinct counts and extremes per distribution: a histogram in the wrong slot fails.
  for (std::size_t i = 0; i < metrics::kDistributionFields.size(); ++i) {
    const metrics::DistributionField& field = metrics::kDistributionFields[i];
    check_histogram_matches(field.name, m.mergeable->histograms[i], m.*field.member);
  }
  for (std::size_t i = 0; i < metrics::kIncompleteDistributionFields.size(); ++i) {
    const metrics::IncompleteDistributionField& field = metrics::kIncompleteDistributionFields[i];
    check_histogram_matches(field.name, m.mergeable->incomplete_histograms[i],
                            m.incomplete.*field.member);
  }
  CHECK(m.mergeable->incomplete_histograms[0].count() == 1);  // ttft_ms of the incomplete
}

TEST_CASE("mergeable data: the window on the wall clock and the integral of requests in flight",
          "[compute_metrics][mergeable]") {
  auto result = result_of({
      successful_record(0, 5, {100}, 500),
      successful_record(200, 5, {300}, 600),
      successful_record(700, 5, {800}, 1000),
  });
  result.wall_start = kWallStart;
  const metrics::BenchmarkMetrics m = compute_metrics(result);
  REQUIRE(m.mergeable);
  CHECK(m.mergeable->window_start_unix_s == 1'000'000.0);
  CHECK(m.mergeable->window_end_unix_s == 1'000'001.0);
  CHECK(m.mergeable->concurrency_integral_s == Approx(1.2));  // as in concurrency_goodput_test
  CHECK(m.mergeable->concurrency_integral_s == Approx(m.concurrency.mean * m.duration_s));

  SECTION("with a warmup the window is the measured requests' span") {
    result.records[0].phase = metrics::WindowPhase::warmup;
    const metrics::BenchmarkMetrics windowed = compute_metrics(result);
    CHECK(windowed.mergeable->window_start_unix_s == Approx(1'000'000.2).epsilon(1e-15));
    CHECK(windowed.mergeable->window_end_unix_s == 1'000'001.0);
    CHECK(windowed.mergeable->window_end_unix_s - windowed.mergeable->window_start_unix_s ==
          Approx(windowed.duration_s).epsilon(1e-9));
  }
  SECTION("with nothing measured the window is an instant at the start") {
    for (auto& record : result.records) record.phase = metrics::WindowPhase::warmup;
    const metrics::BenchmarkMetrics empty = compute_metrics(result);
    CHECK(empty.mergeable->window_start_unix_s == 1'000'000.0);
    CHECK(empty.mergeable->window_end_unix_s == 1'000'000.0);
    CHECK(empty.mergeable->concurrency_integral_s == 0);
  }
}
