// RunPlan: a checked, ready-to-run benchmark, resolved from RunSettings by the library, so the CLI,
// a scenario file and a suite all get the same plan and the same errors.
//
// resolve_run_plan() fills every setting nobody gave with its default, checks them all, reads
// every file (dataset, tokenizer, CA bundle, ${file:} references) and builds the TLS context:
// anything wrong is a SettingError naming the setting's key, before any request is sent.
//
// Thread affinity: the calling thread. The plan is then run by run_plan() (plan_runner.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/metrics/slo.hpp"
#include "llmpace/plan/scale_out_plan.hpp"
#include "llmpace/profile/profile_plan.hpp"
#include "llmpace/scenario/run_settings.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/workload/workload_plan.hpp"

namespace llmpace::plan {

/// Scraping of the server's and the GPUs' metrics beside the load (docs/telemetry.md).
struct TelemetryPlan {
  enum class ServerSource { automatic, url, off };
  ServerSource server = ServerSource::automatic;  // automatic: the target's /metrics if it answers
  std::optional<http::Url> server_url;            // ServerSource::url
  std::vector<http::Url> gpu_urls;                // dcgm-exporter endpoints
  Nanoseconds interval = Seconds{1};
  /// Sent to metrics endpoints on another origin than the target's (which get the target's).
  std::vector<http::Header> headers;
  std::string api_key;  // sent as a bearer token, like the target's; never reported
  Nanoseconds settle_timeout = Seconds{60};  // longest wait for an idle server between benchmarks
  Nanoseconds settle_pause{0};               // pause between benchmarks without server metrics
  bool stop_on_saturation = false;
};

struct RunPlan {
  engine::Target target;
  profile::ProfilePlan profiles;
  workload::WorkloadPlan workload;  // prompts are made from it once the target is up
  TelemetryPlan telemetry;
  ScaleOutPlan scale_out;                       // this process's shard and the common start
  std::optional<sim::SimOptions> embedded_sim;  // target "sim"
  std::vector<std::string> output_paths;
  /// Every setting as resolved (defaults filled in), references like ${env:X} unexpanded.
  scenario::RunSettings settings;
  nlohmann::json run_config;  // for the report: the run as resolved, without secrets
  std::string created_at;     // ISO 8601 UTC
  std::string target_description;
  metrics::Slo slo;    // for goodput
  int threads = 1;     // worker threads
  bool quiet = false;  // no progress display, no notes
};

/// Resolves `given` (unset settings take their defaults). Throws SettingError.
RunPlan resolve_run_plan(const scenario::RunSettings& given);

/// The scenario a report keeps as run.scenario: `plan.settings` without literal secrets,
/// outputs and display settings, with the model the run used. Reading it back repeats the run
/// (as one process: the shard, run id and start time are the run section's, not the scenario's,
/// so that the shards of one run keep the same scenario).
struct ResolvedScenario {
  nlohmann::json settings;           // a JSON object keyed by setting
  std::vector<std::string> omitted;  // secrets left out ("api_key", "header Authorization")
};
ResolvedScenario resolved_scenario(const RunPlan& plan);

}  // namespace llmpace::plan
