// Regressions against a baseline: which changes count, and which benchmarks are compared.
#include "llmpace/suite/regression.hpp"

#include <catch2/catch.hpp>

using namespace llmpace;
using namespace llmpace::suite;

namespace {

report::BenchmarkReport benchmark(double rate, double ttft_p99_ms, double output_tokens_per_s) {
  report::BenchmarkReport out;
  out.profile = ProfileKind::constant;
  out.rate = rate;
  out.metrics.ttft_ms.count = 10;
  out.metrics.ttft_ms.p50 = ttft_p99_ms / 2;
  out.metrics.ttft_ms.p99 = ttft_p99_ms;
  out.metrics.throughput.requests_per_s = rate;
  out.metrics.throughput.output_tokens_per_s = output_tokens_per_s;
  return out;
}

report::Report report_of(std::vector<report::BenchmarkReport> benchmarks) {
  report::Report out;
  out.benchmarks = std::move(benchmarks);
  return out;
}

std::vector<scenario::Tolerance> tolerances() {
  return {{"ttft_ms_p99", true, 0.10, 1}, {"output_tokens_per_s", false, 0.05, 2}};
}

}  // namespace

TEST_CASE("a rise beyond +N % and a fall beyond -N % regress, smaller changes do not") {
  const report::Report baseline = report_of({benchmark(2, 100, 1000), benchmark(4, 200, 2000)});
  // Benchmark 1: TTFT +9 % (fine), output -4 % (fine). Benchmark 2: TTFT +11 %, output -6 %.
  const report::Report current = report_of({benchmark(2, 109, 960), benchmark(4, 222, 1880)});
  const RegressionCheck check = find_regressions(tolerances(), baseline, current);
  CHECK(check.compared == 4);
  REQUIRE(check.regressions.size() == 2);
  CHECK(check.regressions[0].benchmark == 2);
  CHECK(check.regressions[0].metric == "ttft_ms_p99");
  CHECK(check.regressions[0].baseline == 200);
  CHECK(check.regressions[0].current == 222);
  CHECK(check.regressions[0].change == Approx(0.11));
  CHECK(check.regressions[1].metric == "output_tokens_per_s");
  CHECK(check.regressions[1].change == Approx(-0.06));
  CHECK(describe(check.regressions[0]) == "ttft_ms_p99 rose 11.0 % (200 -> 222; tolerance +10 %)");
  CHECK(describe(check.regressions[1]) ==
        "output_tokens_per_s fell 6.0 % (2000 -> 1880; tolerance -5 %)");
}

TEST_CASE("an improvement never regresses, and unmatched benchmarks are not compared") {
  const report::Report baseline = report_of({benchmark(2, 100, 1000)});
  const report::Report faster = report_of({benchmark(2, 50, 2000)});
  CHECK(find_regressions(tolerances(), baseline, faster).regressions.empty());
  // A benchmark at another rate lines up with nothing: nothing compared, nothing regressed.
  const report::Report other_rate = report_of({benchmark(3, 500, 10)});
  const RegressionCheck check = find_regressions(tolerances(), baseline, other_rate);
  CHECK(check.compared == 0);
  CHECK(check.regressions.empty());
}

TEST_CASE("a value either run lacks is not compared") {
  report::Report baseline = report_of({benchmark(2, 100, 1000)});
  report::Report current = report_of({benchmark(2, 300, 1000)});
  current.benchmarks[0].metrics.ttft_ms.count = 0;  // no request had a first token
  const RegressionCheck check = find_regressions(tolerances(), baseline, current);
  CHECK(check.compared == 1);  // output tok/s only
  CHECK(check.regressions.empty());
}
