// SimOptions: everything the built-in simulator can be told, resolved (durations, a preset's
// numbers), with the defaults of `llmpace sim`. Plain data; validate_sim_options() is the one place
// that checks it as a whole (SimServer calls it). Users' settings become SimOptions through
// resolve_sim_options (sim_settings.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/sim/fault_plan.hpp"
#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/latency_model.hpp"
#include "llmpace/sim/sim_metrics.hpp"

namespace llmpace::sim {

/// Builds the latency model of one io thread (index 0..threads-1). Each thread owns its model, so
/// a model needs no locking unless it chooses to share state between threads.
using LatencyModelFactory = std::function<std::unique_ptr<LatencyModel>(unsigned thread_index)>;

/// Most io threads a simulator runs.
inline constexpr unsigned kMaxSimThreads = 256;
/// Longest TTFT or ITL of the simple model, in milliseconds (one hour).
inline constexpr double kMaxSimDelayMs = 3'600'000.0;

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral; SimServer::port() tells the bound one
  std::string model = "llmpace-sim";
  /// Longest prompt + output a request may ask for (vLLM's 400 beyond it); with a preset
  /// also capped at the KV budget, as vLLM refuses a max_model_len the cache cannot hold.
  std::int64_t max_model_len = 131072;
  /// The GPU preset that the continuous-batching InferenceModel runs; empty: the simple latency
  /// model below.
  std::optional<GpuPreset> preset;
  Nanoseconds ttft = std::chrono::milliseconds{50};  // simple model only
  Nanoseconds itl = std::chrono::milliseconds{10};   // simple model only
  /// Relative stddev of the Gaussian jitter of every delay (simple model) or step (preset).
  double jitter = 0.05;
  std::uint64_t seed = 42;
  std::int64_t default_output_tokens = 128;  // when the request sets no max tokens
  /// Mean natural output length of requests without ignore_eos; 0: they run to max tokens.
  double natural_output_tokens_mean = 0.0;
  double fail_rate = 0.0;         // fraction of generation requests answered with HTTP 500
  std::vector<FaultSpec> faults;  // --fault KIND:PROB
  std::string trace_file;         // --trace: one JSON line per request (trace_writer.hpp)
  MetricsFlavor metrics_flavor = MetricsFlavor::vllm;  // --metrics-flavor
  /// A second listener serving the DCGM exporter's /metrics (presets only); 0 picks one.
  std::optional<std::uint16_t> dcgm_port;
  unsigned threads = 1;
  std::string tls_cert_file;  // PEM; with tls_key_file set, the server speaks HTTPS only
  std::string tls_key_file;
  /// Empty: SimpleLatencyModel from ttft/itl/jitter/seed. Tests plug other models in here.
  LatencyModelFactory latency_model_factory;

  [[nodiscard]] bool tls() const { return !tls_cert_file.empty() || !tls_key_file.empty(); }
};

/// Throws SettingError about the first invalid field, keyed by its SimSettings name ("ttft_ms",
/// "jitter", "preset", "faults", ...; empty for two settings that clash, both named by
/// placeholders), with a one-line reason that names no flag.
void validate_sim_options(const SimOptions& options);

}  // namespace llmpace::sim
