// The rules of one benchmark's diagnosis, shared by the files that implement them (private to the
// telemetry module). Each rule gathers its figures into one evidence line, "<wall>: fired|not
// met|not checked: <figures against thresholds>", and, when it fires, the tail of the verdict
// line; diagnose_benchmark (diagnosis.cpp) takes the first rule that fired. docs/diagnosis.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/telemetry/diagnosis.hpp"

namespace llmpace::telemetry::detail {

/// The GPUs' compute activity: DCGM_FI_PROF_PIPE_TENSOR_ACTIVE where every GPU exposes it, else
/// DCGM_FI_PROF_GR_ENGINE_ACTIVE where exposed (as a percentage), else DCGM_FI_DEV_GPU_UTIL; the
/// mean over the benchmark, averaged over the GPUs; with the bounds that apply to that source.
struct GpuActivity {
  double percent = 0.0;
  std::size_t gpus = 0;
  std::string_view source;
  double wall_percent = kComputeWallGpuPercent;  ///< at or above: the compute wall's activity
  double low_percent = kKvWallGpuLowPercent;     ///< below: compute is not what ran out
};

/// What every rule reads. References into the DiagnosisInput, which outlives the Context.
struct Context {
  const DiagnosisInput& input;
  const metrics::BenchmarkMetrics& m;
  const TelemetrySummary* telemetry;  // null: not scraped
  const ServerTelemetry* server;      // null: no server telemetry
  std::optional<GpuActivity> gpu;
  bool client_data_only = false;
  bool single_stream = false;  // synchronous, concurrent 1, or requests never overlapped
  bool open_loop = false;      // constant or poisson
};

struct RuleOutcome {
  bool fired = false;
  std::string verdict;   // after "<Title>: ", when fired
  std::string evidence;  // one line
};

std::optional<GpuActivity> gpu_activity_of(const TelemetrySummary* telemetry);
/// "GPU activity 41 % (GR_ENGINE_ACTIVE, 1 GPU)"
std::string describe(const GpuActivity& gpu);

/// "<wall>: <status>: <parts joined by '; '>"
std::string evidence_line(Wall wall, std::string_view status,
                          const std::vector<std::string>& parts);
RuleOutcome not_checked(Wall wall, std::string reason);
/// Fired or "not met", with its evidence; the verdict tail is kept only when it fired.
RuleOutcome decided(Wall wall, bool fired, const std::vector<std::string>& parts,
                    std::string verdict = {});
/// "12.5 ms"
std::string ms(double value);

RuleOutcome kv_cache_rule(const Context& c);         // diagnosis_server_rules.cpp
RuleOutcome compute_rule(const Context& c);          // diagnosis_server_rules.cpp
RuleOutcome over_saturation_rule(const Context& c);  // diagnosis_client_rules.cpp
RuleOutcome latency_floor_rule(const Context& c);    // diagnosis_client_rules.cpp
RuleOutcome client_bound_rule(const Context& c);     // diagnosis_client_rules.cpp

}  // namespace llmpace::telemetry::detail
