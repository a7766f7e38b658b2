// Readings: one scrape in llmpace's own vocabulary, whatever server or exporter sent it.
//
// read_server_metrics() maps the names of vLLM (current, "vllm:"), vLLM before 0.10 (gpu_cache_*,
// time_per_output_token_seconds), the "kserve_vllm:" copies OpenShift AI adds and llama.cpp's
// "llamacpp:" metrics onto ServerReading; read_gpu_metrics() maps dcgm-exporter's DCGM_FI_* fields
// onto one GpuReading per GPU. A field the endpoint does not expose stays empty (nullopt): the
// report then says "not exposed", never 0. The table of names is in docs/telemetry.md.
//
// Each figure is read from the first of its candidate names that has a sample for the model, in
// the order vllm: (current name, then the pre-0.10 one), kserve_vllm: (likewise), llamacpp:, so a
// copy is never added to its original. Its series (one per engine, DP rank or pod) are summed;
// kv_cache_usage, a fraction, is their mean weighted by each engine's KV capacity when
// cache_config_info gives it for every engine. A figure with an impossible value in any of its
// series (NaN, infinite, negative; a fraction above 1) is left empty rather than half-used, and so
// is a histogram with a bucket series that lacks +Inf or decreases. Histograms of several series
// are merged by `le` over the bounds they all have.
//
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry {

/// A Prometheus histogram at one scrape: cumulative counts per upper bound (the last is +Inf).
struct HistogramReading {
  std::vector<double> upper_bounds;       ///< ascending, seconds; the last one is +Inf
  std::vector<double> cumulative_counts;  ///< same size as upper_bounds, non-decreasing
  double sum = 0.0;                       ///< seconds
  double count = 0.0;                     ///< == cumulative_counts.back()
};

/// Which family of names a server endpoint spoke.
enum class ServerFlavor { unknown, vllm, vllm_legacy, kserve_vllm, llamacpp };
/// "unknown", "vllm", "vllm_legacy", "kserve_vllm", "llamacpp".
std::string_view to_string(ServerFlavor flavor);
/// The inverse of to_string(ServerFlavor); nullopt for any other text.
std::optional<ServerFlavor> parse_server_flavor(std::string_view text);

/// An inference server's metrics at one scrape, summed over the engines (DP ranks) of the model
/// that was asked for. Counters are cumulative since the server started.
struct ServerReading {
  /// vllm_legacy: vllm: names without kv_cache_usage_perc and inter_token_latency_seconds;
  /// kserve_vllm: only kserve_vllm: names; unknown: none of the families.
  ServerFlavor flavor = ServerFlavor::unknown;
  std::optional<double> kv_cache_usage;  ///< 0..1 (vLLM's *_usage_perc is a fraction already)
  std::optional<double> requests_running;
  std::optional<double> requests_waiting;
  /// vllm:num_requests_waiting_by_reason, keyed by its "reason" label (capacity, deferred, ...).
  std::map<std::string, double> requests_waiting_by_reason;
  std::optional<double> preemptions_total;
  std::optional<double> prompt_tokens_total;
  std::optional<double> generation_tokens_total;
  std::optional<double> prefix_cache_queries_total;  ///< tokens
  std::optional<double> prefix_cache_hits_total;     ///< tokens
  std::optional<HistogramReading> ttft_seconds;
  std::optional<HistogramReading> itl_seconds;   ///< inter-token latency, one per token gap
  std::optional<HistogramReading> tpot_seconds;  ///< per request: mean gap
  std::optional<HistogramReading> e2e_seconds;
  std::optional<HistogramReading> queue_seconds;
  /// KV-cache capacity in tokens: cache_config_info's num_gpu_blocks * block_size.
  std::optional<double> kv_capacity_tokens;
  /// Every model_name label value seen (to explain an empty reading when the filter matched none).
  std::vector<std::string> model_names;
};

/// One GPU at one scrape, in dcgm-exporter's units.
struct GpuReading {
  std::string gpu;                         ///< the "gpu" label: index on the node; a MIG
                                           ///< instance: "<gpu>/<GPU_I_ID>"
  std::string uuid;                        ///< the "UUID" label
  std::string model_name;                  ///< the "modelName" label, e.g. "NVIDIA H100 80GB HBM3"
  std::string hostname;                    ///< the "Hostname" label
  std::optional<double> util_percent;      ///< DCGM_FI_DEV_GPU_UTIL, 0..100
  std::optional<double> gr_engine_active;  ///< DCGM_FI_PROF_GR_ENGINE_ACTIVE, 0..1
  std::optional<double> tensor_active;     ///< DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, 0..1
  std::optional<double> dram_active;       ///< DCGM_FI_PROF_DRAM_ACTIVE, 0..1
  std::optional<double> fb_used_mib;       ///< DCGM_FI_DEV_FB_USED
  std::optional<double> fb_free_mib;       ///< DCGM_FI_DEV_FB_FREE
  std::optional<double> power_w;           ///< DCGM_FI_DEV_POWER_USAGE
  std::optional<double> temp_c;            ///< DCGM_FI_DEV_GPU_TEMP
  std::optional<double> sm_clock_mhz;      ///< DCGM_FI_DEV_SM_CLOCK
};

/// The server's figures for `model_name` (every model when empty). Samples whose model_name label
/// differs are left out; samples without a model_name label are kept.
ServerReading read_server_metrics(const Exposition& exposition, std::string_view model_name);

/// One reading per GPU (by UUID, else by "gpu" and "Hostname" labels; a MIG instance, with a
/// GPU_I_ID label, is one reading of its own), in order of first appearance. When a GPU has several
/// series of one field (one per pod sharing it by time-slicing), the first is used: they repeat
/// the device's value, and a sum would count it twice.
std::vector<GpuReading> read_gpu_metrics(const Exposition& exposition);

}  // namespace llmpace::telemetry
