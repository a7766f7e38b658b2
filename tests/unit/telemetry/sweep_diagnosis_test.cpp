#include <catch2/catch.hpp>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "llmpace/telemetry/diagnosis.hpp"
#include "unit/telemetry/diagnosis_fixtures.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using llmpace::ProfileKind;
using llmpace::metrics::BenchmarkMetrics;
using llmpace::telemetry::diagnose_sweep;
using llmpace::telemetry::Diagnosis;
using llmpace::telemetry::KneeCriterion;
using llmpace::telemetry::LoadUnit;
using llmpace::telemetry::SweepDiagnosis;
using llmpace::telemetry::SweepStage;
using llmpace::telemetry::Wall;
using llmpace::telemetry::test::distribution;
using llmpace::telemetry::test::healthy_metrics;
using llmpace::telemetry::test::input_for;

namespace {

/// Stages built by hand: each benchmark's metrics live in the builder, each diagnosis is given.
class SweepBuilder {
 public:
  /// Adds a benchmark: its profile and rate, the rate it sent (its load when not open loop), the
  /// wall it was diagnosed with and, with an SLO, its goodput fraction.
  BenchmarkMetrics& add(ProfileKind profile, std::optional<double> rate, double sent_per_s,
                        Wall wall, std::optional<double> goodput = std::nullopt) {
    BenchmarkMetrics& m = metrics_.emplace_back(healthy_metrics(rate.value_or(1.0)));
    m.throughput.sent_requests_per_s = sent_per_s;
    if (goodput) m.goodput = llmpace::metrics::Goodput{"ttft_ms=200", 0, *goodput, 0};
    SweepStage stage{input_for(m, nullptr, profile, rate), Diagnosis{}};
    if (goodput) stage.input.slo.ttft_ms = 200;
    stage.diagnosis.wall = wall;
    stage.diagnosis.verdict = std::string(llmpace::telemetry::title_of(wall)) + ": ...";
    stages_.push_back(stage);
    return m;
  }

  [[nodiscard]] SweepDiagnosis diagnose() const { return diagnose_sweep(stages_); }
  std::vector<SweepStage>& stages() { return stages_; }

 private:
  std::deque<BenchmarkMetrics> metrics_;  // stable addresses
  std::vector<SweepStage> stages_;
};

bool has_line(const SweepDiagnosis& sweep, const std::string& part) {
  for (const std::string& line : sweep.evidence) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sweep: knee by goodput, first wall as the load rose, benchmarks ordered by load") {
  SweepBuilder sweep;
  sweep.add(ProfileKind::synchronous, std::nullopt, 0.5, Wall::headroom, 1.0);
  sweep.add(ProfileKind::throughput, std::nullopt, 10, Wall::kv_cache, 0.2);
  sweep.add(ProfileKind::constant, 2, 2, Wall::headroom, 1.0);
  sweep.add(ProfileKind::constant, 4, 4, Wall::headroom, 0.99);    // at the bar: holds
  sweep.add(ProfileKind::constant, 6, 6, Wall::kv_cache, 0.9899);  // just below: fails
  sweep.add(ProfileKind::constant, 8, 8, Wall::over_saturation, 0.5);
  const SweepDiagnosis result = sweep.diagnose();
  CHECK(result.load_unit == LoadUnit::requests_per_s);
  REQUIRE(result.knee);
  CHECK(result.knee->index == 3);
  CHECK(result.knee->load == 4);
  CHECK(result.knee->criterion == KneeCriterion::slo_goodput);
  REQUIRE(result.first_wall);
  CHECK(result.first_wall->index == 4);  // not the throughput benchmark, listed second
  CHECK(result.first_wall->wall == Wall::kv_cache);
  CHECK(result.first_wall->load == 6);
  CHECK(result.verdict ==
        "Knee at 4 req/s (constant: the highest load that met the SLO); first wall: KV-cache "
        "wall at 6 req/s");
  CHECK_THAT(result.evidence.front(),
             StartsWith("load order (requests_per_s): benchmark 0 (synchronous, 0.5 req/s) < "
                        "benchmark 2 (constant, 2 req/s)") &&
                 Contains("< benchmark 1 (throughput, 10 req/s)"));
  CHECK(has_line(result,
                 "knee (slo_goodput): benchmark 3 (constant, 4 req/s): goodput 99 % >= "
                 "99 %: holds"));
  CHECK(has_line(result,
                 "knee (slo_goodput): benchmark 4 (constant, 6 req/s): goodput 98.99 % < "
                 "99 %: fails"));
  CHECK(has_line(result, "first wall: kv_cache_wall at benchmark 4"));
}

TEST_CASE("sweep: a knee above a failing load is flagged as not monotonic") {
  SweepBuilder sweep;
  sweep.add(ProfileKind::constant, 2, 2, Wall::headroom, 0.95);
  sweep.add(ProfileKind::constant, 4, 4, Wall::headroom, 1.0);
  sweep.add(ProfileKind::constant, 8, 8, Wall::client_bound, 1.0);  // skipped
  const SweepDiagnosis result = sweep.diagnose();
  REQUIRE(result.knee);
  CHECK(result.knee->index == 1);
  CHECK(has_line(result, "not monotonic: benchmark 0 (constant, 2 req/s) failed below"));
  CHECK(has_line(result, "benchmark 2 (constant, 8 req/s) skipped: client-bound"));
  CHECK_FALSE(result.first_wall);  // client-bound is not a wall of the server
  CHECK_THAT(result.verdict, Contains("headroom at every load"));
}

TEST_CASE("sweep: with an SLO but no goodput figures, the p99 of each objective decides") {
  SweepBuilder sweep;
  BenchmarkMetrics& low = sweep.add(ProfileKind::constant, 2, 2, Wall::headroom);
  BenchmarkMetrics& high = sweep.add(ProfileKind::constant, 4, 4, Wall::headroom);
  for (SweepStage& stage : sweep.stages()) stage.input.slo.ttft_ms = 200;
  low.ttft_ms = distribution(100, 200);  // at the objective: holds
  high.ttft_ms = distribution(100, 200.5);
  const SweepDiagnosis result = sweep.diagnose();
  REQUIRE(result.knee);
  CHECK(result.knee->index == 0);
  CHECK(result.knee->criterion == KneeCriterion::slo_p99);
  CHECK(has_line(result, "TTFT p99 200 ms <= 200 ms"));
}

TEST_CASE("sweep: without an SLO the knee is the highest load that kept up (achieved >= 90 %)") {
  SweepBuilder sweep;
  sweep.add(ProfileKind::synchronous, std::nullopt, 0.5, Wall::headroom);
  sweep.add(ProfileKind::throughput, std::nullopt, 10, Wall::kv_cache);
  BenchmarkMetrics& six = sweep.add(ProfileKind::constant, 6, 6, Wall::headroom);
  BenchmarkMetrics& eight = sweep.add(ProfileKind::constant, 8, 8, Wall::headroom);
  // 61 s with a mean latency of 1 s: the completions measure 60 s.
  for (BenchmarkMetrics* m : {&six, &eight}) m->duration_s = 61;
  six.requests.successful = 325;    // 5.42 req/s: 90.3 % of 6
  eight.requests.successful = 431;  // 7.18 req/s: 89.8 % of 8
  SweepDiagnosis result = sweep.diagnose();
  REQUIRE(result.knee);
  CHECK(result.knee->index == 2);
  CHECK(result.knee->criterion == KneeCriterion::throughput_tracking);
  CHECK(has_line(result, "achieved 5.42 req/s is 90.28 % of the 6 asked (>= 90 %)"));
  CHECK(has_line(result, "achieved 7.18 req/s is 89.79 % of the 8 asked (< 90 %)"));
  CHECK(result.verdict ==
        "Knee at 6 req/s (constant: the highest load that kept up); first wall: KV-cache wall at "
        "10 req/s");
  CHECK(has_line(result, "no SLO given"));

  eight.requests.successful = 433;  // 90.2 %: now 8 req/s kept up
  result = sweep.diagnose();
  CHECK(result.knee->index == 3);
  // A wall at a load fails the knee even when it kept up.
  sweep.stages()[3].diagnosis.wall = Wall::over_saturation;
  CHECK(sweep.diagnose().knee->index == 2);
}

TEST_CASE("sweep: a concurrency sweep is ordered by streams") {
  SweepBuilder sweep;
  sweep.add(ProfileKind::concurrent, 8, 4, Wall::kv_cache);
  sweep.add(ProfileKind::synchronous, std::nullopt, 0.5, Wall::headroom);
  sweep.add(ProfileKind::concurrent, 2, 1.9, Wall::headroom);
  sweep.add(ProfileKind::concurrent, 4, 3.9, Wall::headroom);
  const SweepDiagnosis result = sweep.diagnose();
  CHECK(result.load_unit == LoadUnit::streams);
  CHECK(result.knee->index == 3);
  CHECK(result.first_wall->index == 0);
  CHECK(result.verdict ==
        "Knee at 4 streams (concurrent: the highest load that kept up); first wall: KV-cache wall "
        "at 8 streams");
  CHECK_THAT(result.evidence.front(),
             Contains("benchmark 1 (synchronous, 1 stream) < benchmark 2 (concurrent, 2 streams)"));
}

TEST_CASE("sweep: TPOT against the batch, and what it says without GPU figures") {
  SweepBuilder sweep;
  const std::vector<std::pair<double, double>> points{{1, 10}, {10, 12}, {50, 20}, {100, 30}};
  for (const auto& [concurrency, tpot] : points) {
    BenchmarkMetrics& m =
        sweep.add(ProfileKind::concurrent, concurrency, concurrency, Wall::headroom);
    m.concurrency.mean = concurrency;
    m.tpot_ms = distribution(tpot, tpot * 1.2);
  }
  for (SweepStage& stage : sweep.stages()) stage.diagnosis.client_data_only = true;
  SweepDiagnosis result = sweep.diagnose();
  REQUIRE(result.tpot_slope);
  CHECK(result.tpot_slope->points == 4);
  CHECK(result.tpot_slope->ms_per_request == Approx(1232.0 / 6120.75));
  CHECK(result.tpot_slope->concurrency_low == 1);
  CHECK(result.tpot_slope->concurrency_high == 100);
  CHECK(result.tpot_slope->growth == Approx(2.97).margin(0.01));
  CHECK(result.tpot_slope->rising);
  CHECK_THAT(result.verdict, StartsWith("client data only: Knee at 100 streams") &&
                                 Contains("TPOT grows 2.97x with the batch"));
  CHECK(has_line(result, "a sign of the compute wall (no benchmark's GPU figures confirm it)"));

  SECTION("a flat TPOT is not rising") {
    for (SweepStage& stage : sweep.stages()) {
      const_cast<BenchmarkMetrics*>(stage.input.metrics)->tpot_ms = distribution(20, 25);
    }
    result = sweep.diagnose();
    REQUIRE(result.tpot_slope);
    CHECK_FALSE(result.tpot_slope->rising);
    CHECK_THAT(result.verdict, !Contains("TPOT grows"));
  }
  SECTION("fewer than 3 benchmarks with TPOT: no slope") {
    sweep.stages().resize(2);
    CHECK_FALSE(sweep.diagnose().tpot_slope);
  }
}

TEST_CASE("sweep: nothing met the SLO") {
  SweepBuilder sweep;
  sweep.add(ProfileKind::synchronous, std::nullopt, 0.5, Wall::latency_floor, 0.1);
  sweep.add(ProfileKind::constant, 2, 2, Wall::latency_floor, 0.0);
  const SweepDiagnosis result = sweep.diagnose();
  CHECK_FALSE(result.knee);
  CHECK(result.verdict == "No benchmark met the SLO; first wall: Latency floor at 0.5 req/s");
}

TEST_CASE("sweep: a stage without metrics is a programming error") {
  std::vector<SweepStage> stages(1);
  CHECK_THROWS_AS(diagnose_sweep(stages), std::invalid_argument);
}
