// Simulated GPU telemetry in the shape of NVIDIA's dcgm-exporter: how busy the simulated GPU was,
// how much framebuffer memory it uses, its power draw and temperature, rendered as the Prometheus
// text that dcgm-exporter serves on :9400/metrics. A dashboard built for a real vLLM node then
// works against the simulator.
//
// The model (every number an assumption unless a source is named):
// - Utilisation: the busy fraction of the last window_s (default 1 s) of the caller's clock, busy
//   meaning inside a model step. DCGM_FI_DEV_GPU_UTIL ("percent of time over the past sample
//   period during which one or more kernels was executing", NVML) is reported as that fraction in
//   integer percent; DCGM_FI_PROF_GR_ENGINE_ACTIVE as the same fraction as a ratio 0..1 (on a real
//   GPU it is a little lower: it counts the graphics/compute engine only).
// - Tensor and DRAM activity: each step carries the two prices the roofline gave its batch
//   (roofline.hpp): compute time (FLOPs at the peak dense rate) and memory time (HBM bytes at the
//   peak bandwidth). During a step the tensor pipe is taken to be active for compute_s of it and
//   the memory interface for memory_s (so tensor share = compute_s / step and DRAM share =
//   memory_s / step; the step overhead is neither). DCGM_FI_PROF_PIPE_TENSOR_ACTIVE and
//   DCGM_FI_PROF_DRAM_ACTIVE are those shares averaged over the window like the utilisation: a
//   compute-bound batch (prefill, or decode at a large batch on a modest-FLOPS GPU) reads a high
//   tensor share, a memory-bound one (decode at a small batch) a high DRAM share and a tensor
//   share near 0. Peak rates make both optimistic (real kernels need longer at lower activity).
// - SM clock: the GPU's maximum boost clock (GpuSpec::max_sm_clock_mhz) when it was busy at any
//   time in the window, else its idle clock (GpuSpec::idle_sm_clock_mhz). Real GPUs boost within
//   milliseconds of work arriving and may drop a little below the maximum under a power cap.
// - Power: idle_w + (max_w - idle_w) * utilisation, the preset's GpuSpec::idle_power_w and
//   max_power_w. For the H100 SXM5, max_w = 700 W is its TDP (NVIDIA H100 datasheet, "Max
//   thermal design power: up to 700W"); idle_w = 70 W is what nvidia-smi typically shows for an
//   idle H100 SXM with a model loaded (10% of the TDP; the other GPUs use the same 10%). Real LLM
//   decode rarely reaches TDP, so the linear model overstates power at full utilisation.
// - Temperature: idle_temp_c + full_load_temp_rise_c * load, where load is the busy signal (1
//   inside a step, 0 outside) through a first-order lag with time constant 30 s, the order of a
//   heatsink's thermal time constant. A steady duty cycle u settles at idle + rise * u, i.e. the
//   lag of the utilisation (the 1 s window is negligible next to 30 s). 32 C idle and +40 C at
//   full load (72 C) are typical of air-cooled H100 SXM nodes.
// - Framebuffer: weights + activation reserve + KV cache in use + kCudaContextBytes (500 MiB, the
//   CUDA context, cuBLAS handles and allocator slack that nvidia-smi shows for any CUDA process),
//   capped at the HBM size; free = HBM - used. Both in whole MiB, as DCGM reports them. A real vLLM
//   preallocates its whole KV budget at start-up, so its FB_USED stays flat; here it follows the
//   KV cache in use, which is what a dashboard of memory pressure wants to see.
//
// Thread affinity: GpuActivity is not synchronised; one thread (the InferenceDriver) records steps
// and the same thread, or one holding the same lock, samples it. Everything else is pure.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "llmpace/sim/gpu_preset.hpp"

namespace llmpace::sim {

inline constexpr double kDefaultUtilWindowS = 1.0;
inline constexpr double kDefaultTempTimeConstantS = 30.0;
inline constexpr std::int64_t kBytesPerMiB = 1024 * 1024;
/// Framebuffer taken by the CUDA context of the serving process, on top of weights and caches.
inline constexpr std::int64_t kCudaContextBytes = 500 * kBytesPerMiB;

/// How utilisation maps to power and temperature; the defaults are an H100 SXM (see above).
struct GpuPowerModel {
  double idle_w = 70.0;
  double max_w = 700.0;  ///< at utilisation 1 (the TDP)
  double idle_temp_c = 32.0;
  double full_load_temp_rise_c = 40.0;  ///< steady-state rise at utilisation 1
};

/// The power model of `gpu`: its idle and maximum power, the default temperatures.
GpuPowerModel gpu_power_model(const GpuSpec& gpu);

/// When the simulated GPU was busy, and how much of that its tensor pipe and its memory
/// interface were. Steps are recorded in time order; an interval that starts before the previous
/// one ended is clipped to start at that end, and an empty one is ignored.
class GpuActivity {
 public:
  explicit GpuActivity(double window_s = kDefaultUtilWindowS,
                       double temp_time_constant_s = kDefaultTempTimeConstantS);

  /// Records that the GPU was busy from start_s to end_s (seconds on the caller's clock; end_s
  /// may lie ahead of the clock when the step's duration is known in advance), with its tensor
  /// pipe active for the fraction tensor_share of that time and its memory interface for
  /// dram_share (each clamped to 0..1; NaN counts as 0).
  void on_step(double start_s, double end_s, double tensor_share = 0.0, double dram_share = 0.0);

  /// Busy fraction of [now_s - window_s, now_s], 0..1; steps straddling either edge count only
  /// their part inside. Exact for any now_s at or after the start of the latest step.
  double utilisation(double now_s) const;
  /// The tensor pipe's active fraction of the same window: each step's share weighted by its
  /// part inside the window.
  double tensor_active(double now_s) const;
  /// The memory interface's active fraction of the same window, weighted likewise.
  double dram_active(double now_s) const;

  /// The busy signal through the first-order lag at now_s, 0..1 (0 before any step).
  double thermal_load(double now_s) const;

  /// idle_temp_c + full_load_temp_rise_c * thermal_load(now_s).
  double temperature_c(double now_s, const GpuPowerModel& model = {}) const;

  double window_s() const { return window_s_; }
  double temp_time_constant_s() const { return tau_s_; }

 private:
  struct Interval {
    double start_s;
    double end_s;
    double tensor_share;
    double dram_share;
  };

  /// Sum over the intervals of their part inside the window times weight(interval), / window.
  template <class Weight>
  double window_average(double now_s, Weight weight) const;

  double window_s_;
  double tau_s_;
  std::deque<Interval> intervals_;  ///< in time order, pruned to what a window can still see
  bool any_step_ = false;
  double last_start_s_ = 0.0;
  double load_at_last_start_ = 0.0;
  double last_end_s_ = 0.0;
  double load_at_last_end_ = 0.0;
};

/// One scrape's worth of readings, in dcgm-exporter's units.
struct GpuSample {
  double gpu_util_percent = 0.0;        ///< 0..100; rendered rounded to an integer
  double gr_engine_active_ratio = 0.0;  ///< 0..1
  double tensor_active_ratio = 0.0;     ///< 0..1
  double dram_active_ratio = 0.0;       ///< 0..1
  double sm_clock_mhz = 0.0;            ///< rendered rounded to an integer
  std::int64_t fb_used_mib = 0;
  std::int64_t fb_free_mib = 0;
  double power_w = 0.0;
  double temp_c = 0.0;  ///< rendered rounded to an integer
};

/// The readings of the preset's GPU at now_s with kv_bytes_in_use of KV cache allocated
/// (negative counts as zero), power and temperature from `model`.
GpuSample sample_gpu(const GpuPreset& preset, const GpuActivity& activity,
                     std::int64_t kv_bytes_in_use, double now_s, const GpuPowerModel& model);
/// The same with the preset's own power model, gpu_power_model(preset.gpu).
GpuSample sample_gpu(const GpuPreset& preset, const GpuActivity& activity,
                     std::int64_t kv_bytes_in_use, double now_s);

/// A deterministic, well-formed fake GPU UUID for GPU `index`: "GPU-" then 8-4-4-4-12 lowercase
/// hex digits, as nvidia-smi -L prints them.
std::string fake_gpu_uuid(int index);

/// The identifying labels dcgm-exporter puts on every sample, in its order. An empty pci_bus_id
/// is left out (older exporters do not have it).
struct DcgmLabels {
  std::string gpu = "0";
  std::string uuid = fake_gpu_uuid(0);
  std::string pci_bus_id = "00000000:18:00.0";
  std::string device = "nvidia0";
  std::string model_name = "NVIDIA H100 80GB HBM3";
  std::string hostname = "llmpace-sim";
};

/// The Prometheus text format (0.0.4) of dcgm-exporter: for each metric a "# HELP" line (the
/// exporter's default-counters.csv / dcp-metrics-included.csv help text), a "# TYPE" line and
/// one sample NAME{gpu,UUID,pci_bus_id,device,modelName,Hostname} VALUE, in the exporter's order:
/// DCGM_FI_DEV_SM_CLOCK, DCGM_FI_DEV_GPU_TEMP, DCGM_FI_DEV_POWER_USAGE, DCGM_FI_DEV_GPU_UTIL,
/// DCGM_FI_DEV_FB_FREE, DCGM_FI_DEV_FB_USED, DCGM_FI_PROF_GR_ENGINE_ACTIVE,
/// DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, DCGM_FI_PROF_DRAM_ACTIVE. Integer fields print as integers
/// and floating-point ones with six decimals ("%f"), as the exporter does. Ends with a newline.
std::string render_dcgm_metrics(const GpuSample& sample, const DcgmLabels& labels = {});

}  // namespace llmpace::sim
