// Diagnosis: which wall a benchmark hit, from the client's own figures (metrics::BenchmarkMetrics)
// and, when scraped, the server's and the GPUs' (TelemetrySummary). One verdict line with the
// numbers that triggered it, the evidence of every rule checked, and a remedy. Across a sweep: the
// knee (the highest load that met the SLO) and which wall came first as the load rose.
//
// Every rule and threshold below is stated in docs/diagnosis.md; the thresholds are the named
// constants of this header. Rules, in order of precedence (the first that fires is the verdict):
//   1. kv_cache        KV usage >= 95 % with requests waiting, GPU not at its compute wall
//   2. compute         GPU activity >= 95 % with a batch, TPOT grown with it, KV below the wall
//   3. over_saturation the queue (server) or the requests in flight (client, open loop) grew
//                      without bound over the benchmark's second half
//   4. latency_floor   one request at a time, and the median request already misses the SLO
//   5. client_bound    the load generator fell behind its own schedule
//   6. headroom        none of these
//
// Pure functions of their inputs; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/metrics/slo.hpp"
#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::telemetry {

enum class Wall { kv_cache, compute, latency_floor, client_bound, over_saturation, headroom };

/// The wall's name in reports: "kv_cache_wall", "compute_wall", "latency_floor", "client_bound",
/// "over_saturation", "headroom"; "unknown" out of range.
std::string_view to_string(Wall wall);
/// The inverse of to_string; nullopt for an unknown name.
std::optional<Wall> parse_wall(std::string_view name);
/// How a verdict line names the wall: "KV-cache wall", "Compute wall", "Latency floor", ...
std::string_view title_of(Wall wall);

// --- Thresholds (docs/diagnosis.md) -------------------------------------------------------------

/// KV-cache wall: KV usage (p95 or max over the benchmark) at least this, 0..1.
inline constexpr double kKvWallUsage = 0.95;
/// KV-cache wall: time-weighted mean of requests waiting at least this.
inline constexpr double kKvWallWaitingMean = 1.0;
/// KV-cache wall: GPU activity (mean) below this confirms that memory, not compute, ran out.
inline constexpr double kKvWallGpuLowPercent = 80.0;
/// KV-cache wall evidence: TTFT p99 at least this many times the unloaded TTFT p50.
inline constexpr double kKvWallTtftTailFactor = 5.0;
/// Compute wall: GPU activity (mean over the benchmark and the GPUs) at least this, percent.
inline constexpr double kComputeWallGpuPercent = 95.0;
/// The same two bounds when the activity is the tensor pipes' (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE),
/// which is preferred where exposed: a kernel runs all the time under any load, so GPU_UTIL and
/// GR_ENGINE_ACTIVE read ~100 % at a KV wall too, while the tensor pipes are busy only when the
/// work is compute-bound (prefill, large decode batches).
inline constexpr double kComputeWallTensorPercent = 80.0;
inline constexpr double kKvWallTensorLowPercent = 50.0;
/// Compute wall: TPOT p50 at least this many times the unloaded TPOT p50 (when there is one).
inline constexpr double kComputeWallTpotGrowth = 1.5;
/// Over-saturation: the queue or in-flight series must rise by at least this many requests
/// across the benchmark's second half (and by 10 % of its mean: TrendThresholds).
inline constexpr double kOverSaturationMinRiseRequests = 1.0;
/// Over-saturation: at least this many points of the series in the second half.
inline constexpr std::size_t kOverSaturationMinPoints = 5;
/// Latency floor without an SLO: default objectives for the median request at concurrency 1.
inline constexpr double kDefaultFloorTtftMs = 1000.0;
inline constexpr double kDefaultFloorTpotMs = 50.0;
/// Latency floor evidence: GPU activity below this is "mostly idle".
inline constexpr double kFloorGpuIdlePercent = 50.0;
/// Client-bound: send lag p99 at least this (closed loops and open loops without slot waits).
inline constexpr double kClientBoundSendLagP99Ms = 20.0;

/// TTFT and TPOT of the run's unloaded benchmark: its synchronous one, or the one with the lowest
/// mean concurrency.
struct UnloadedReference {
  double ttft_p50_ms = 0.0;
  double tpot_p50_ms = 0.0;
};

struct DiagnosisInput {
  const metrics::BenchmarkMetrics* metrics = nullptr;  ///< required; must outlive the call
  const TelemetrySummary* telemetry = nullptr;         ///< null: telemetry was not scraped
  metrics::Slo slo;                                    ///< empty: no SLO given
  ProfileKind profile = ProfileKind::synchronous;
  /// Streams for concurrent, req/s for constant and poisson; none for the others.
  std::optional<double> rate;
  std::optional<UnloadedReference> unloaded;
  /// The live detector ended the benchmark (--stop-on-saturation; SaturationDetector).
  bool stopped_on_saturation = false;
};

struct Diagnosis {
  Wall wall = Wall::headroom;
  /// One line, e.g. "KV-cache wall: KV usage p95 99 % with 212 requests waiting while GPU
  /// activity averaged 41 %"; starts "client data only: " when client_data_only.
  std::string verdict;
  /// One line per rule, fired or checked, with its numbers and thresholds, in precedence order.
  std::vector<std::string> evidence;
  std::string remedy;
  /// No server or GPU telemetry: only the client's figures were read.
  bool client_data_only = false;
};

/// Diagnoses one benchmark. Throws std::invalid_argument when input.metrics is null.
Diagnosis diagnose_benchmark(const DiagnosisInput& input);

/// A benchmark with at most this many requests in flight on average can stand for "unloaded".
inline constexpr double kUnloadedConcurrencyMax = 2.0;

/// The unloaded reference of a run: its synchronous benchmark (the first), else the benchmark
/// with the lowest mean concurrency if that is at most kUnloadedConcurrencyMax (a loaded
/// benchmark is no reference for itself); only one with a TTFT sample counts. nullopt otherwise.
std::optional<UnloadedReference> unloaded_reference_of(std::span<const DiagnosisInput> inputs);

// --- Sweep --------------------------------------------------------------------------------------

/// Knee without an SLO: an open-loop benchmark tracks its rate when the rate it achieved is at
/// least this share of the rate asked for.
inline constexpr double kKneeTrackingFraction = 0.90;
/// Knee with an SLO: the share of requests that met every objective (goodput fraction).
inline constexpr double kKneeGoodputFraction = 0.99;
/// Sweep TPOT slope: at least this many benchmarks with TPOT samples.
inline constexpr std::size_t kTpotSlopeMinPoints = 3;

/// What the load of a sweep's benchmarks is measured in: streams when every benchmark is
/// synchronous (1 stream) or concurrent, requests per second otherwise.
enum class LoadUnit { requests_per_s, streams };
std::string_view to_string(LoadUnit unit);  ///< "requests_per_s", "streams"

/// How the knee was judged: goodput fraction (SLO), p99 of each objective (SLO, no goodput
/// figures), or the achieved rate tracking the asked rate (no SLO).
enum class KneeCriterion { slo_goodput, slo_p99, throughput_tracking };
std::string_view to_string(KneeCriterion criterion);

struct SweepStage {
  DiagnosisInput input;
  Diagnosis diagnosis;
};

struct SweepKnee {
  std::size_t index = 0;  ///< into the stages as given
  double load = 0.0;      ///< in the sweep's LoadUnit
  KneeCriterion criterion = KneeCriterion::throughput_tracking;
};

struct SweepWall {
  std::size_t index = 0;  ///< into the stages as given
  double load = 0.0;
  Wall wall = Wall::headroom;
};

/// TPOT p50 against mean concurrency, least squares over the benchmarks with TPOT samples.
struct TpotSlope {
  double ms_per_request = 0.0;  ///< TPOT added per extra request in flight
  double intercept_ms = 0.0;
  std::size_t points = 0;
  double concurrency_low = 0.0;  ///< lowest and highest mean concurrency fitted
  double concurrency_high = 0.0;
  double growth = 0.0;  ///< fitted TPOT at concurrency_high / at concurrency_low (0: undefined)
  /// A significant positive slope and growth >= kComputeWallTpotGrowth: TPOT rises with the batch.
  bool rising = false;
};

struct SweepDiagnosis {
  LoadUnit load_unit = LoadUnit::requests_per_s;
  std::optional<SweepKnee> knee;        ///< none: no benchmark met the SLO / kept up
  std::optional<SweepWall> first_wall;  ///< none: headroom at every load
  std::optional<TpotSlope> tpot_slope;  ///< none: too few benchmarks with TPOT
  std::string verdict;                  ///< one line
  std::vector<std::string> evidence;    ///< the load order, the knee test of each benchmark, ...
};

/// Diagnoses a sweep (or any run of several benchmarks) from its benchmarks in report order,
/// each with its own diagnosis. Throws std::invalid_argument when a stage has no metrics.
SweepDiagnosis diagnose_sweep(std::span<const SweepStage> stages);

}  // namespace llmpace::telemetry
