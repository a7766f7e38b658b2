#include "llmpace/report/report.hpp"

#include <catch2/catch.hpp>

#include "unit/report/sample_report.hpp"

TEST_CASE("make_benchmark_report: keeps the identity and computes the metrics", "[report]") {
  const auto result = llmpace::test::sample_concurrent();
  const auto benchmark = llmpace::report::make_benchmark_report(result);
  CHECK(benchmark.profile == llmpace::ProfileKind::concurrent);
  REQUIRE(benchmark.rate.has_value());
  CHECK(*benchmark.rate == 8);
  CHECK(benchmark.interrupted);
  CHECK(benchmark.metrics.requests.successful == 2);
  CHECK(benchmark.metrics.requests.incomplete == 2);
  CHECK(benchmark.metrics.duration_s == 0.5);

  const auto synchronous =
      llmpace::report::make_benchmark_report(llmpace::test::sample_synchronous());
  CHECK_FALSE(synchronous.rate.has_value());
  CHECK_FALSE(synchronous.interrupted);
}
