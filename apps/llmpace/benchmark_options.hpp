// The flags of `llmpace benchmark` and their translation into what the engine runs.
// Everything that can be wrong with the user's input is found here, before any load is sent.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/engine/target.hpp"
#include "llmpace/metrics/slo.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "profile_plan.hpp"
#include "workload_plan.hpp"

namespace llmpace::app {

/// The flags as typed. CLI::Option pointers tell whether an optional flag was given.
struct BenchmarkOptions {
  std::string target;
  std::string model;
  std::string api = "chat";
  std::string profile = "synchronous";
  std::string rate;
  int max_concurrency = 0;
  double burstiness = 1.0;
  double rampup_s = 0;
  std::string sweep_strategy = "constant";
  std::int64_t max_requests = 0;
  double max_seconds = 0;
  std::int64_t max_errors = 0;
  double max_error_rate = 0;
  bool drain = false;
  std::string when_full = "queue";
  std::string warmup;
  std::string cooldown;
  std::string slo;
  int threads = 0;  // 0: one per core
  bool quiet = false;
  std::string data = "prompt_tokens=256,output_tokens=128";
  std::string data_column;
  std::int64_t data_samples = 0;
  std::string tokenizer = "auto";
  double time_scale = 1.0;
  std::string time_unit = "auto";
  std::uint64_t seed = 42;
  std::vector<std::string> outputs;
  std::string api_key;
  std::vector<std::string> headers;
  bool insecure = false;
  std::string ca_cert;
  double request_timeout_s = 600;
  double connect_timeout_s = 10;
  double idle_timeout_s = 120;
  double sim_ttft_ms = 50;
  double sim_itl_ms = 10;
  double sim_jitter = 0.05;
  std::string sim_preset;  // empty: the simple latency model

  CLI::Option* max_concurrency_flag = nullptr;
  CLI::Option* max_requests_flag = nullptr;
  CLI::Option* max_seconds_flag = nullptr;
  CLI::Option* max_errors_flag = nullptr;
  CLI::Option* max_error_rate_flag = nullptr;
  CLI::Option* data_samples_flag = nullptr;
};

/// A checked, ready-to-run benchmark.
struct ResolvedBenchmark {
  engine::Target target;
  ProfilePlan profiles;
  WorkloadPlan workload;                        // prompts are made from it once the target is up
  std::optional<sim::SimOptions> embedded_sim;  // set for --target sim
  std::vector<std::string> output_paths;
  nlohmann::json run_config;  // for the report: the flags as resolved, without secrets
  std::string created_at;     // ISO 8601 UTC
  std::string target_description;
  metrics::Slo slo;    // --slo, for goodput
  int threads = 1;     // worker threads
  bool quiet = false;  // no progress display
};

void add_benchmark_flags(CLI::App& cli, BenchmarkOptions& options);

/// Checks the flags and builds the run. Throws ConfigError with a one-line message.
ResolvedBenchmark resolve_benchmark_options(const BenchmarkOptions& options);

}  // namespace llmpace::app
