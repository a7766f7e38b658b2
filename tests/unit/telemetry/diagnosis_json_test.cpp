#include "llmpace/telemetry/diagnosis_json.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"

using llmpace::ConfigError;
using llmpace::telemetry::Diagnosis;
using llmpace::telemetry::diagnosis_from_json;
using llmpace::telemetry::diagnosis_to_json;
using llmpace::telemetry::KneeCriterion;
using llmpace::telemetry::LoadUnit;
using llmpace::telemetry::sweep_diagnosis_from_json;
using llmpace::telemetry::SweepDiagnosis;
using llmpace::telemetry::SweepKnee;
using llmpace::telemetry::SweepWall;
using llmpace::telemetry::TpotSlope;
using llmpace::telemetry::Wall;
using nlohmann::json;

namespace {

Diagnosis sample_diagnosis() {
  Diagnosis diagnosis;
  diagnosis.wall = Wall::kv_cache;
  diagnosis.verdict = "KV-cache wall: KV usage p95 99 % with 212 requests waiting on average";
  diagnosis.evidence = {"requests: 600 successful, 0 incomplete, 0 errored",
                        "kv_cache_wall: fired: KV usage p95 99 % >= 95 %"};
  diagnosis.remedy = "More KV-cache memory per replica.";
  diagnosis.client_data_only = true;
  return diagnosis;
}

SweepDiagnosis sample_sweep() {
  SweepDiagnosis sweep;
  sweep.load_unit = LoadUnit::streams;
  sweep.knee = SweepKnee{3, 4.0, KneeCriterion::slo_p99};
  sweep.first_wall = SweepWall{4, 8.0, Wall::compute};
  TpotSlope slope;
  slope.ms_per_request = 0.25;
  slope.intercept_ms = 9.5;
  slope.points = 5;
  slope.concurrency_low = 1;
  slope.concurrency_high = 64;
  slope.growth = 2.5;
  slope.rising = true;
  sweep.tpot_slope = slope;
  sweep.verdict = "Knee at 4 streams";
  sweep.evidence = {"load order (streams): ..."};
  return sweep;
}

std::string error_of(const json& document) {
  try {
    diagnosis_from_json(document, "benchmarks[1].diagnosis");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

std::string sweep_error_of(const json& document) {
  try {
    sweep_diagnosis_from_json(document);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("diagnosis JSON: the shape written") {
  const json written = diagnosis_to_json(sample_diagnosis());
  CHECK(written["wall"] == "kv_cache_wall");
  CHECK(written["client_data_only"] == true);
  CHECK(written["evidence"].size() == 2);
  CHECK(written.size() == 5);

  const json sweep = diagnosis_to_json(sample_sweep());
  CHECK(sweep["load_unit"] == "streams");
  CHECK(sweep["knee"] == json{{"benchmark_index", 3}, {"load", 4.0}, {"criterion", "slo_p99"}});
  CHECK(sweep["first_wall"]["wall"] == "compute_wall");
  CHECK(sweep["tpot_slope"]["rising"] == true);
  SweepDiagnosis empty;
  const json minimal = diagnosis_to_json(empty);
  CHECK_FALSE(minimal.contains("knee"));
  CHECK_FALSE(minimal.contains("first_wall"));
  CHECK_FALSE(minimal.contains("tpot_slope"));
  CHECK(minimal["evidence"] == json::array());
}

TEST_CASE("diagnosis JSON: what is written reads back the same") {
  const Diagnosis diagnosis = sample_diagnosis();
  const Diagnosis back = diagnosis_from_json(json::parse(diagnosis_to_json(diagnosis).dump()));
  CHECK(back.wall == diagnosis.wall);
  CHECK(back.verdict == diagnosis.verdict);
  CHECK(back.evidence == diagnosis.evidence);
  CHECK(back.remedy == diagnosis.remedy);
  CHECK(back.client_data_only == diagnosis.client_data_only);

  const SweepDiagnosis sweep = sample_sweep();
  const SweepDiagnosis sweep_back =
      sweep_diagnosis_from_json(json::parse(diagnosis_to_json(sweep).dump()));
  CHECK(sweep_back.load_unit == LoadUnit::streams);
  REQUIRE(sweep_back.knee);
  CHECK(sweep_back.knee->index == 3);
  CHECK(sweep_back.knee->load == 4.0);
  CHECK(sweep_back.knee->criterion == KneeCriterion::slo_p99);
  REQUIRE(sweep_back.first_wall);
  CHECK(sweep_back.first_wall->index == 4);
  CHECK(sweep_back.first_wall->wall == Wall::compute);
  REQUIRE(sweep_back.tpot_slope);
  CHECK(sweep_back.tpot_slope->ms_per_request == 0.25);
  CHECK(sweep_back.tpot_slope->intercept_ms == 9.5);
  CHECK(sweep_back.tpot_slope->points == 5);
  CHECK(sweep_back.tpot_slope->concurrency_high == 64);
  CHECK(sweep_back.tpot_slope->growth == 2.5);
  CHECK(sweep_back.tpot_slope->rising);
  CHECK(sweep_back.verdict == sweep.verdict);
  CHECK(sweep_back.evidence == sweep.evidence);

  const SweepDiagnosis minimal = sweep_diagnosis_from_json(diagnosis_to_json(SweepDiagnosis{}));
  CHECK_FALSE(minimal.knee);
  CHECK_FALSE(minimal.first_wall);
  CHECK_FALSE(minimal.tpot_slope);
}

TEST_CASE("diagnosis JSON: unknown fields are ignored, bad ones are named by their path") {
  json document = diagnosis_to_json(sample_diagnosis());
  document["added_later"] = 1;
  CHECK(error_of(document).empty());

  json bad = document;
  bad["wall"] = "kv_wall";
  CHECK(error_of(bad) == "benchmarks[1].diagnosis.wall: unknown value 'kv_wall'");
  bad = document;
  bad["evidence"][1] = 3;
  CHECK(error_of(bad) == "benchmarks[1].diagnosis.evidence[1]: should be a string, not a number");
  bad = document;
  bad.erase("verdict");
  CHECK(error_of(bad) == "benchmarks[1].diagnosis.verdict: missing");
  bad = document;
  bad["client_data_only"] = "yes";
  CHECK(error_of(bad) ==
        "benchmarks[1].diagnosis.client_data_only: should be true or false, not a "
        "string");
  CHECK(error_of(json::array()) == "benchmarks[1].diagnosis: should be an object, not an array");

  json sweep = diagnosis_to_json(sample_sweep());
  sweep["knee"]["benchmark_index"] = -1;
  CHECK(sweep_error_of(sweep) ==
        "sweep_diagnosis.knee.benchmark_index: should be a non-negative integer, not a number");
  sweep = diagnosis_to_json(sample_sweep());
  sweep["knee"]["criterion"] = "vibes";
  CHECK(sweep_error_of(sweep) == "sweep_diagnosis.knee.criterion: unknown value 'vibes'");
  sweep = diagnosis_to_json(sample_sweep());
  sweep["tpot_slope"]["growth"] = nullptr;
  CHECK(sweep_error_of(sweep) == "sweep_diagnosis.tpot_slope.growth: should be a number, not null");
  sweep = diagnosis_to_json(sample_sweep());
  sweep["load_unit"] = "rps";
  CHECK(sweep_error_of(sweep) == "sweep_diagnosis.load_unit: unknown value 'rps'");
}
