#include "llmpace/telemetry/diagnosis.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "unit/telemetry/diagnosis_fixtures.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using llmpace::ProfileKind;
using llmpace::metrics::BenchmarkMetrics;
using llmpace::telemetry::CounterStats;
using llmpace::telemetry::diagnose_benchmark;
using llmpace::telemetry::Diagnosis;
using llmpace::telemetry::DiagnosisInput;
using llmpace::telemetry::parse_wall;
using llmpace::telemetry::TelemetrySummary;
using llmpace::telemetry::to_string;
using llmpace::telemetry::unloaded_reference_of;
using llmpace::telemetry::UnloadedReference;
using llmpace::telemetry::Wall;
using llmpace::telemetry::test::distribution;
using llmpace::telemetry::test::healthy_metrics;
using llmpace::telemetry::test::input_for;
using llmpace::telemetry::test::make_telemetry;
using llmpace::telemetry::test::ramp_timeline;
using llmpace::telemetry::test::ramp_waiting;
using llmpace::telemetry::test::single_stream_metrics;

namespace {

/// The evidence line of one rule ("kv_cache_wall: ..."), or "" when there is none.
std::string evidence_of(const Diagnosis& diagnosis, Wall wall) {
  const std::string prefix = std::string(to_string(wall)) + ": ";
  for (const std::string& line : diagnosis.evidence) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("diagnosis: wall names are stable and read back") {
  CHECK(to_string(Wall::kv_cache) == "kv_cache_wall");
  CHECK(to_string(Wall::compute) == "compute_wall");
  CHECK(to_string(Wall::latency_floor) == "latency_floor");
  CHECK(to_string(Wall::client_bound) == "client_bound");
  CHECK(to_string(Wall::over_saturation) == "over_saturation");
  CHECK(to_string(Wall::headroom) == "headroom");
  for (const Wall wall : {Wall::kv_cache, Wall::compute, Wall::latency_floor, Wall::client_bound,
                          Wall::over_saturation, Wall::headroom}) {
    CHECK(parse_wall(to_string(wall)) == wall);
  }
  CHECK_FALSE(parse_wall("kv_cache"));
}

TEST_CASE("diagnosis: KV-cache wall with its numbers, preemptions and the TTFT tail") {
  BenchmarkMetrics m = healthy_metrics(300);
  m.ttft_ms = distribution(2000, 8200);
  TelemetrySummary summary = make_telemetry(0.99, 212, 41);
  CounterStats preemptions;
  preemptions.delta = 37;
  preemptions.per_s = 0.62;
  summary.server->preemptions = preemptions;
  DiagnosisInput input = input_for(m, &summary, ProfileKind::concurrent, 300);
  input.unloaded = UnloadedReference{200, 20};
  const Diagnosis diagnosis = diagnose_benchmark(input);
  CHECK(diagnosis.wall == Wall::kv_cache);
  CHECK_FALSE(diagnosis.client_data_only);
  CHECK(diagnosis.verdict ==
        "KV-cache wall: KV usage p95 99 % with 212 requests waiting on average while GPU "
        "activity averaged 41 %, 37 preemptions; TTFT p99 41x the unloaded p50");
  CHECK_THAT(diagnosis.remedy, Contains("tensor parallelism") && Contains("fp8"));
  const std::string kv = evidence_of(diagnosis, Wall::kv_cache);
  CHECK_THAT(kv, StartsWith("kv_cache_wall: fired: KV usage p95 99 % >= 95 %"));
  CHECK_THAT(kv, Contains("requests waiting mean 212 >= 1"));
  CHECK_THAT(kv, Contains("GPU activity 41 % (GR_ENGINE_ACTIVE, 1 GPU) < 80 %"));
  CHECK_THAT(kv, Contains("preemptions 37 (0.62/s)"));
  CHECK_THAT(kv, Contains("TTFT p99 8200 ms is 41x the unloaded TTFT p50 200 ms (>= 5x)"));
  // Every rule leaves a line, in precedence order, after the request counts.
  REQUIRE(diagnosis.evidence.size() == 6);
  CHECK_THAT(diagnosis.evidence[0], StartsWith("requests: 600 successful"));
  CHECK_THAT(diagnosis.evidence[2], StartsWith("compute_wall: not met"));
  CHECK_THAT(diagnosis.evidence[3], StartsWith("over_saturation: not checked"));
  CHECK_THAT(diagnosis.evidence[4], StartsWith("latency_floor: not checked"));
  CHECK_THAT(diagnosis.evidence[5], StartsWith("client_bound: not met"));
}

TEST_CASE("diagnosis: KV-cache wall thresholds, just below and at each") {
  const BenchmarkMetrics m = healthy_metrics(100);
  const auto wall_of = [&](const TelemetrySummary& summary) {
    return diagnose_benchmark(input_for(m, &summary)).wall;
  };
  SECTION("KV usage: p95 at 95 % fires, 94.99 % does not; max at 95 % alone fires") {
    CHECK(wall_of(make_telemetry(0.95, 5, 40)) == Wall::kv_cache);
    CHECK(wall_of(make_telemetry(0.9499, 5, 40)) == Wall::headroom);
    TelemetrySummary max_only = make_telemetry(0.9499, 5, 40);
    max_only.server->kv_cache_usage->max = 0.95;
    const Diagnosis diagnosis = diagnose_benchmark(input_for(m, &max_only));
    CHECK(diagnosis.wall == Wall::kv_cache);
    CHECK_THAT(diagnosis.verdict, StartsWith("KV-cache wall: KV usage max 95 %"));
  }
  SECTION("requests waiting: a mean of 1 fires, 0.99 does not") {
    CHECK(wall_of(make_telemetry(0.99, 1.0, 40)) == Wall::kv_cache);
    CHECK(wall_of(make_telemetry(0.99, 0.99, 40)) == Wall::headroom);
  }
  SECTION("GPU activity: below 80 % confirms, 80-95 % still a KV wall, 95 % is the compute wall") {
    const TelemetrySummary low_summary = make_telemetry(0.99, 5, 79.9);
    const Diagnosis low = diagnose_benchmark(input_for(m, &low_summary));
    CHECK(low.wall == Wall::kv_cache);
    CHECK_THAT(evidence_of(low, Wall::kv_cache), Contains("memory, not compute, ran out"));
    const TelemetrySummary busy_summary = make_telemetry(0.99, 5, 80);
    const Diagnosis busy = diagnose_benchmark(input_for(m, &busy_summary));
    CHECK(busy.wall == Wall::kv_cache);
    CHECK_THAT(busy.verdict, Contains("near its compute limit too"));
    CHECK(wall_of(make_telemetry(0.99, 5, 94.99)) == Wall::kv_cache);
    CHECK(wall_of(make_telemetry(0.99, 5, 95)) == Wall::compute);
  }
  SECTION("without GPU telemetry the KV wall still fires, and says so") {
    const TelemetrySummary summary = make_telemetry(0.99, 5, -1);
    const Diagnosis diagnosis = diagnose_benchmark(input_for(m, &summary));
    CHECK(diagnosis.wall == Wall::kv_cache);
    CHECK_THAT(diagnosis.verdict, Contains("(GPU activity not scraped)"));
    CHECK_FALSE(diagnosis.client_data_only);
  }
}

TEST_CASE("diagnosis: compute wall, and TPOT growth against the unloaded reference") {
  BenchmarkMetrics m = healthy_metrics(120);
  m.tpot_ms = distribution(45, 60);
  const TelemetrySummary summary = make_telemetry(0.6, 0, 98);
  DiagnosisInput input = input_for(m, &summary);
  SECTION("GPU busy, TPOT 3x the unloaded") {
    input.unloaded = UnloadedReference{100, 15};
    const Diagnosis diagnosis = diagnose_benchmark(input);
    CHECK(diagnosis.wall == Wall::compute);
    CHECK(diagnosis.verdict ==
          "Compute wall: GPU activity averaged 98 % with 120 requests in flight on average, TPOT "
          "p50 45 ms (3x the unloaded 15 ms)");
    CHECK_THAT(evidence_of(diagnosis, Wall::compute),
               Contains("TPOT p50 45 ms is 3x the unloaded TPOT p50 15 ms (>= 1.5x)"));
  }
  SECTION("TPOT growth at 1.5x fires, just below does not") {
    input.unloaded = UnloadedReference{100, 30};
    CHECK(diagnose_benchmark(input).wall == Wall::compute);
    input.unloaded = UnloadedReference{100, 30.01};
    CHECK(diagnose_benchmark(input).wall == Wall::headroom);
  }
  SECTION("without a reference the GPU decides: 95 % fires, 94.99 % does not") {
    CHECK(diagnose_benchmark(input).wall == Wall::compute);
    CHECK_THAT(evidence_of(diagnose_benchmark(input), Wall::compute),
               Contains("TPOT growth not checked: no unloaded reference"));
    const TelemetrySummary just_below = make_telemetry(0.6, 0, 94.99);
    CHECK(diagnose_benchmark(input_for(m, &just_below)).wall == Wall::headroom);
    const TelemetrySummary at = make_telemetry(0.6, 0, 95);
    CHECK(diagnose_benchmark(input_for(m, &at)).wall == Wall::compute);
  }
  SECTION("one request at a time is never a compute wall") {
    const BenchmarkMetrics single = single_stream_metrics(100, 20);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(single, &summary, ProfileKind::synchronous, std::nullopt));
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(evidence_of(diagnosis, Wall::compute), Contains("no batch to saturate compute"));
  }
}

TEST_CASE("diagnosis: over-saturation from the server's queue and the client's in-flight count") {
  BenchmarkMetrics m = healthy_metrics(50);
  SECTION("requests waiting rise over the second half of an open-loop benchmark") {
    TelemetrySummary summary = make_telemetry(0.7, 0, 60);
    ramp_waiting(summary, 0, 480);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(m, &summary, ProfileKind::constant, 12));
    CHECK(diagnosis.wall == Wall::over_saturation);
    CHECK_THAT(diagnosis.verdict,
               StartsWith("Over-saturation: requests waiting (server) rose from 244 to 480 over "
                          "the second half (+8.14/s) at 12 req/s"));
    CHECK_THAT(diagnosis.remedy, Contains("knee"));
  }
  SECTION("client data only: the in-flight timeline rises") {
    ramp_timeline(m, 10, 400);
    const Diagnosis diagnosis = diagnose_benchmark(input_for(m, nullptr, ProfileKind::poisson, 12));
    CHECK(diagnosis.wall == Wall::over_saturation);
    CHECK(diagnosis.client_data_only);
    CHECK_THAT(diagnosis.verdict,
               StartsWith("client data only: Over-saturation: requests in flight (client) rose"));
  }
  SECTION("a closed loop is never over-saturated: its streams bound the queue") {
    ramp_timeline(m, 10, 400);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(m, nullptr, ProfileKind::concurrent, 400));
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(evidence_of(diagnosis, Wall::over_saturation), Contains("not checked"));
  }
  SECTION("the rise must reach one request: 0.99 is not enough, 1.01 is") {
    // Points at 0.5 .. 59.5 s: the second half spans 30.5 .. 59.5 s, 29 s of a ramp over 59 s.
    TelemetrySummary summary = make_telemetry(0.7, 0, 60);
    ramp_waiting(summary, 0, 0.99 * 59.0 / 29.0);
    CHECK(diagnose_benchmark(input_for(m, &summary, ProfileKind::constant, 12)).wall ==
          Wall::headroom);
    ramp_waiting(summary, 0, 1.01 * 59.0 / 29.0);
    CHECK(diagnose_benchmark(input_for(m, &summary, ProfileKind::constant, 12)).wall ==
          Wall::over_saturation);
  }
  SECTION("too few points in the second half: no trend") {
    m.timeline.resize(9);  // 4 whole buckets in the second half of the 60 s
    m.duration_s = 9;
    ramp_timeline(m, 10, 400);
    const Diagnosis diagnosis = diagnose_benchmark(input_for(m, nullptr, ProfileKind::constant, 5));
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(evidence_of(diagnosis, Wall::over_saturation),
               Contains("4 points in the second half"));
  }
  SECTION("stopped by the live detector") {
    DiagnosisInput input = input_for(m, nullptr, ProfileKind::constant, 12);
    input.stopped_on_saturation = true;
    CHECK(diagnose_benchmark(input).wall == Wall::over_saturation);
  }
}

TEST_CASE("diagnosis: latency floor at concurrency 1, with and without an SLO") {
  SECTION("the SLO's TTFT: a p50 just above misses, at the objective does not") {
    BenchmarkMetrics m = single_stream_metrics(250, 20);
    const TelemetrySummary summary = make_telemetry(0.05, 0, 30);
    DiagnosisInput input = input_for(m, &summary, ProfileKind::synchronous, std::nullopt);
    input.slo.ttft_ms = 200;
    Diagnosis diagnosis = diagnose_benchmark(input);
    CHECK(diagnosis.wall == Wall::latency_floor);
    CHECK(diagnosis.verdict ==
          "Latency floor: at concurrency 1 TTFT p50 250 ms misses the SLO's 200 ms while GPU "
          "activity averaged 30 %");
    CHECK_THAT(evidence_of(diagnosis, Wall::latency_floor), Contains("mostly idle"));
    m.ttft_ms = distribution(200.01, 240);
    CHECK(diagnose_benchmark(input).wall == Wall::latency_floor);
    m.ttft_ms = distribution(200, 240);
    diagnosis = diagnose_benchmark(input);
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(diagnosis.verdict,
               Contains("floor: TTFT p50 200 ms, TPOT p50 20 ms at concurrency 1"));
  }
  SECTION("no SLO: the default floor bars, TPOT 50 ms and TTFT 1000 ms") {
    BenchmarkMetrics m = single_stream_metrics(400, 50.1);
    const DiagnosisInput input = input_for(m, nullptr, ProfileKind::concurrent, 1);
    Diagnosis diagnosis = diagnose_benchmark(input);
    CHECK(diagnosis.wall == Wall::latency_floor);
    CHECK(diagnosis.verdict ==
          "client data only: Latency floor: at concurrency 1 TPOT p50 50.1 ms exceeds the default "
          "floor bars (no SLO given: TTFT 1000 ms, TPOT 50 ms)");
    m.tpot_ms = distribution(50, 60);
    diagnosis = diagnose_benchmark(input);
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(diagnosis.verdict,
               Contains("floor: TTFT p50 400 ms, TPOT p50 50 ms") && Contains("no SLO given"));
    m.ttft_ms = distribution(1000.1, 1100);
    CHECK(diagnose_benchmark(input).wall == Wall::latency_floor);
  }
  SECTION("a benchmark that never overlapped two requests counts as one at a time") {
    BenchmarkMetrics m = single_stream_metrics(1500, 20);
    CHECK(diagnose_benchmark(input_for(m, nullptr, ProfileKind::constant, 0.1)).wall ==
          Wall::latency_floor);
  }
}

TEST_CASE("diagnosis: client-bound from the dispatch lag and the send lag") {
  BenchmarkMetrics m = healthy_metrics(10);
  SECTION("client_limited (paced profile)") {
    m.client_limited = true;
    m.dispatch_lag_ms = distribution(0.5, 3.2);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(m, nullptr, ProfileKind::constant, 10));
    CHECK(diagnosis.wall == Wall::client_bound);
    CHECK(diagnosis.verdict ==
          "client data only: Client-bound: the load generator fell behind its schedule: dispatch "
          "lag p99 3.2 ms > 1 ms");
  }
  SECTION("send lag p99 at 20 ms fires, just below does not") {
    m.send_lag_ms = distribution(5, 20);
    CHECK(diagnose_benchmark(input_for(m)).wall == Wall::client_bound);
    m.send_lag_ms = distribution(5, 19.99);
    CHECK(diagnose_benchmark(input_for(m)).wall == Wall::headroom);
  }
  SECTION("the send lag is not judged for throughput, nor when requests waited for a slot") {
    m.send_lag_ms = distribution(500, 3000);
    CHECK(diagnose_benchmark(input_for(m, nullptr, ProfileKind::throughput, std::nullopt)).wall ==
          Wall::headroom);
    m.requests.waited_for_slot = 3;
    const Diagnosis diagnosis = diagnose_benchmark(input_for(m, nullptr, ProfileKind::constant, 5));
    CHECK(diagnosis.wall == Wall::headroom);
    CHECK_THAT(evidence_of(diagnosis, Wall::client_bound),
               Contains("3 requests waited for a concurrency slot"));
  }
}

TEST_CASE("diagnosis: headroom") {
  const BenchmarkMetrics m = healthy_metrics(10);
  const TelemetrySummary summary = make_telemetry(0.4, 0, 55);
  const Diagnosis diagnosis = diagnose_benchmark(input_for(m, &summary));
  CHECK(diagnosis.wall == Wall::headroom);
  CHECK(diagnosis.verdict ==
        "Headroom: no wall reached: KV usage p95 40 %, 0 requests waiting on average, GPU "
        "activity 55 %");
  CHECK_THAT(diagnosis.remedy, Contains("raise the rate"));
  for (const std::string& line : diagnosis.evidence) CHECK_THAT(line, !Contains(": fired"));

  SECTION("with an SLO the goodput is in the verdict") {
    BenchmarkMetrics with_goodput = m;
    with_goodput.goodput = llmpace::metrics::Goodput{"ttft_ms=200", 540, 0.9, 9};
    CHECK_THAT(diagnose_benchmark(input_for(with_goodput, &summary)).verdict,
               Contains("but only 90 % of requests met the SLO"));
  }
  SECTION("no request succeeded: too thin to judge") {
    BenchmarkMetrics none = m;
    none.requests.successful = 0;
    none.requests.incomplete = 300;
    none.ttft_ms = {};
    none.tpot_ms = {};
    CHECK_THAT(diagnose_benchmark(input_for(none)).verdict,
               Contains("no request succeeded (300 incomplete, 0 errored)"));
    // What the incomplete requests measured is in the verdict.
    none.incomplete.with_first_token = 32;
    none.incomplete.ttft_ms = llmpace::telemetry::test::distribution(3759, 6638, 32);
    none.incomplete.waited_ms = llmpace::telemetry::test::distribution(14820, 14837, 268);
    CHECK_THAT(diagnose_benchmark(input_for(none)).verdict,
               Contains("; 32 got a first token (TTFT p50 3759 ms); 268 got none in 14820 ms"));
  }
  SECTION("without a successful request the KV wall's TTFT tail comes from incomplete ones") {
    BenchmarkMetrics none = m;
    none.requests.successful = 0;
    none.ttft_ms = {};
    none.incomplete.ttft_ms = llmpace::telemetry::test::distribution(3000, 6000, 32);
    const TelemetrySummary full = make_telemetry(0.99, 250, 40);
    DiagnosisInput input = input_for(none, &full);
    input.unloaded = UnloadedReference{200, 20};
    const Diagnosis from_incomplete = diagnose_benchmark(input);
    CHECK(from_incomplete.wall == Wall::kv_cache);
    CHECK_THAT(evidence_of(from_incomplete, Wall::kv_cache),
               Contains("TTFT p99 6000 ms (incomplete requests) is 30x the unloaded"));
  }
}

TEST_CASE("diagnosis: precedence when several rules fire") {
  SECTION("KV-cache wall over over-saturation and client-bound; the queue is mentioned") {
    BenchmarkMetrics m = healthy_metrics(200);
    m.client_limited = true;
    TelemetrySummary summary = make_telemetry(0.99, 50, 40);
    ramp_waiting(summary, 0, 400);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(m, &summary, ProfileKind::poisson, 20));
    CHECK(diagnosis.wall == Wall::kv_cache);
    CHECK_THAT(diagnosis.verdict, Contains("; the queue grew without bound"));
    CHECK_THAT(evidence_of(diagnosis, Wall::over_saturation), StartsWith("over_saturation: fired"));
    CHECK_THAT(evidence_of(diagnosis, Wall::client_bound), StartsWith("client_bound: fired"));
  }
  SECTION("compute wall over over-saturation") {
    BenchmarkMetrics m = healthy_metrics(200);
    ramp_timeline(m, 10, 400);
    const TelemetrySummary summary = make_telemetry(0.5, 0, 99);
    CHECK(diagnose_benchmark(input_for(m, &summary, ProfileKind::constant, 20)).wall ==
          Wall::compute);
  }
  SECTION("over-saturation over client-bound") {
    BenchmarkMetrics m = healthy_metrics(200);
    ramp_timeline(m, 10, 400);
    m.client_limited = true;
    CHECK(diagnose_benchmark(input_for(m, nullptr, ProfileKind::constant, 20)).wall ==
          Wall::over_saturation);
  }
  SECTION("latency floor over client-bound") {
    BenchmarkMetrics m = single_stream_metrics(2000, 20);
    m.send_lag_ms = distribution(10, 40);
    const Diagnosis diagnosis =
        diagnose_benchmark(input_for(m, nullptr, ProfileKind::synchronous, std::nullopt));
    CHECK(diagnosis.wall == Wall::latency_floor);
    CHECK_THAT(evidence_of(diagnosis, Wall::client_bound), StartsWith("client_bound: fired"));
  }
}

TEST_CASE("diagnosis: client data only without telemetry, or with none of its figures") {
  const BenchmarkMetrics m = healthy_metrics(10);
  Diagnosis diagnosis = diagnose_benchmark(input_for(m));
  CHECK(diagnosis.client_data_only);
  CHECK_THAT(diagnosis.verdict, StartsWith("client data only: Headroom: no wall reached: TTFT p50 "
                                           "100 ms, TPOT p50 20 ms with 10 requests in flight"));
  CHECK_THAT(evidence_of(diagnosis, Wall::kv_cache), Contains("not checked: no server telemetry"));
  CHECK_THAT(evidence_of(diagnosis, Wall::compute), Contains("not checked: no GPU telemetry"));

  TelemetrySummary empty;
  empty.notes.push_back("server metrics: GET /metrics answered 404");
  diagnosis = diagnose_benchmark(input_for(m, &empty));
  CHECK(diagnosis.client_data_only);
  CHECK(std::find(diagnosis.evidence.begin(), diagnosis.evidence.end(),
                  "telemetry: server metrics: GET /metrics answered 404") !=
        diagnosis.evidence.end());

  TelemetrySummary gpu_only = make_telemetry(0.5, 0, 50);
  gpu_only.server.reset();
  diagnosis = diagnose_benchmark(input_for(m, &gpu_only));
  CHECK_FALSE(diagnosis.client_data_only);
  CHECK_THAT(diagnosis.verdict, StartsWith("Headroom"));
}

TEST_CASE("diagnosis: missing metrics are a programming error") {
  CHECK_THROWS_AS(diagnose_benchmark(DiagnosisInput{}), std::invalid_argument);
}

TEST_CASE("diagnosis: the unloaded reference is the synchronous benchmark, else the least loaded") {
  const BenchmarkMetrics sync = single_stream_metrics(150, 18);
  const BenchmarkMetrics low = healthy_metrics(2);
  const BenchmarkMetrics high = healthy_metrics(50);
  const std::vector<DiagnosisInput> with_sync{
      input_for(high), input_for(low),
      input_for(sync, nullptr, ProfileKind::synchronous, std::nullopt)};
  const auto reference = unloaded_reference_of(with_sync);
  REQUIRE(reference);
  CHECK(reference->ttft_p50_ms == 150);
  CHECK(reference->tpot_p50_ms == 18);
  const std::vector<DiagnosisInput> without{input_for(high), input_for(low)};
  CHECK(unloaded_reference_of(without)->ttft_p50_ms == low.ttft_ms.p50);
  BenchmarkMetrics nothing = healthy_metrics(1);
  nothing.ttft_ms = {};
  const std::vector<DiagnosisInput> none{input_for(nothing)};
  CHECK_FALSE(unloaded_reference_of(none));
  // A loaded benchmark is no reference, not even for itself.
  const std::vector<DiagnosisInput> loaded_only{input_for(high)};
  CHECK_FALSE(unloaded_reference_of(loaded_only));
}

TEST_CASE("diagnosis: the tensor pipes' activity decides where every GPU exposes it") {
  // GR_ENGINE_ACTIVE reads ~100 % under any load; the tensor pipes tell memory from compute.
  const BenchmarkMetrics m = healthy_metrics(300);
  const auto with_tensor = [](double kv, double waiting, double tensor_fraction) {
    TelemetrySummary summary = make_telemetry(kv, waiting, 99);
    for (auto& gpu : summary.gpus)
      gpu.tensor_active =
          llmpace::telemetry::test::gauge(tensor_fraction, tensor_fraction, tensor_fraction);
    return summary;
  };
  const TelemetrySummary kv_wall = with_tensor(0.99, 250, 0.06);
  const Diagnosis kv = diagnose_benchmark(input_for(m, &kv_wall));
  CHECK(kv.wall == Wall::kv_cache);
  CHECK_THAT(evidence_of(kv, Wall::kv_cache), Contains("PIPE_TENSOR_ACTIVE") && Contains("< 50 %"));
  const TelemetrySummary compute_wall = with_tensor(0.2, 0, 0.80);
  CHECK(diagnose_benchmark(input_for(m, &compute_wall)).wall == Wall::compute);
  const TelemetrySummary just_below = with_tensor(0.2, 0, 0.7999);
  CHECK(diagnose_benchmark(input_for(m, &just_below)).wall == Wall::headroom);
}
