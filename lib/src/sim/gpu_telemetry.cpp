// Simulated dcgm-exporter telemetry: the busy-interval record, the power, temperature and memory
// model, and the Prometheus rendering. The model's assumptions are in gpu_telemetry.hpp.
#include "llmpace/sim/gpu_telemetry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "llmpace/core/splitmix64.hpp"

namespace llmpace::sim {
namespace {

// First-order lag: where a value starting at `from` stands after dt_s of being driven to `target`.
double relax(double from, double target, double dt_s, double tau_s) {
  if (dt_s <= 0.0) return from;
  return target + (from - target) * std::exp(-dt_s / tau_s);
}

// Prometheus text format: a label value escapes backslash, double quote and line feed.
std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string label_set(const DcgmLabels& labels) {
  std::string out = fmt::format("gpu=\"{}\",UUID=\"{}\"", escape_label_value(labels.gpu),
                                escape_label_value(labels.uuid));
  if (!labels.pci_bus_id.empty()) {
    out += fmt::format(",pci_bus_id=\"{}\"", escape_label_value(labels.pci_bus_id));
  }
  out += fmt::format(",device=\"{}\",modelName=\"{}\",Hostname=\"{}\"",
                     escape_label_value(labels.device), escape_label_value(labels.model_name),
                     escape_label_value(labels.hostname));
  return out;
}

void append_gauge(std::string& out, std::string_view name, std::string_view help,
                  std::string_view labels, std::string_view value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{{{}}} {}\n", name, help, name, name, labels,
                     value);
}

std::int64_t whole_mib(std::int64_t bytes) { return bytes / kBytesPerMiB; }

double share(double value) { return value > 0.0 ? std::min(value, 1.0) : 0.0; }  // NaN -> 0

}  // namespace

GpuActivity::GpuActivity(double window_s, double temp_time_constant_s)
    : window_s_(window_s > 0.0 ? window_s : kDefaultUtilWindowS),
      tau_s_(temp_time_constant_s > 0.0 ? temp_time_constant_s : kDefaultTempTimeConstantS) {}

GpuPowerModel gpu_power_model(const GpuSpec& gpu) {
  GpuPowerModel model;
  model.idle_w = gpu.idle_power_w;
  model.max_w = gpu.max_power_w;
  return model;
}

void GpuActivity::on_step(double start_s, double end_s, double tensor_share, double dram_share) {
  if (any_step_) start_s = std::max(start_s, last_end_s_);
  if (!(end_s > start_s)) return;  // also drops NaN

  const double load_at_start =
      any_step_ ? relax(load_at_last_end_, 0.0, start_s - last_end_s_, tau_s_) : 0.0;
  last_start_s_ = start_s;
  load_at_last_start_ = load_at_start;
  last_end_s_ = end_s;
  load_at_last_end_ = relax(load_at_start, 1.0, end_s - start_s, tau_s_);
  any_step_ = true;

  tensor_share = share(tensor_share);
  dram_share = share(dram_share);
  Interval* last = intervals_.empty() ? nullptr : &intervals_.back();
  if (last != nullptr && last->end_s == start_s && last->tensor_share == tensor_share &&
      last->dram_share == dram_share) {
    last->end_s = end_s;  // back-to-back steps alike: one interval
  } else {
    intervals_.push_back({start_s, end_s, tensor_share, dram_share});
  }
  // No later query (now_s >= start_s) can see what ended before start_s - window_s.
  const double horizon_s = start_s - window_s_;
  while (!intervals_.empty() && intervals_.front().end_s <= horizon_s) intervals_.pop_front();
}

template <class Weight>
double GpuActivity::window_average(double now_s, Weight weight) const {
  const double from_s = now_s - window_s_;
  double weighted_s = 0.0;
  for (const Interval& interval : intervals_) {
    if (interval.start_s >= now_s) break;
    const double overlap_s = std::min(interval.end_s, now_s) - std::max(interval.start_s, from_s);
    if (overlap_s > 0.0) weighted_s += overlap_s * weight(interval);
  }
  return std::clamp(weighted_s / window_s_, 0.0, 1.0);
}

double GpuActivity::utilisation(double now_s) const {
  return window_average(now_s, [](const Interval&) { return 1.0; });
}

double GpuActivity::tensor_active(double now_s) const {
  return window_average(now_s, [](const Interval& interval) { return interval.tensor_share; });
}

double GpuActivity::dram_active(double now_s) const {
  return window_average(now_s, [](const Interval& interval) { return interval.dram_share; });
}

double GpuActivity::thermal_load(double now_s) const {
  if (!any_step_) return 0.0;
  if (now_s >= last_end_s_) return relax(load_at_last_end_, 0.0, now_s - last_end_s_, tau_s_);
  if (now_s >= last_start_s_) return relax(load_at_last_start_, 1.0, now_s - last_start_s_, tau_s_);
  return load_at_last_start_;  // before the latest step: its history is no longer kept
}

double GpuActivity::temperature_c(double now_s, const GpuPowerModel& model) const {
  return model.idle_temp_c + model.full_load_temp_rise_c * thermal_load(now_s);
}

GpuSample sample_gpu(const GpuPreset& preset, const GpuActivity& activity,
                     std::int64_t kv_bytes_in_use, double now_s, const GpuPowerModel& model) {
  const double utilisation = activity.utilisation(now_s);
  GpuSample sample;
  sample.gpu_util_percent = 100.0 * utilisation;
  sample.gr_engine_active_ratio = utilisation;
  sample.tensor_active_ratio = activity.tensor_active(now_s);
  sample.dram_active_ratio = activity.dram_active(now_s);
  sample.sm_clock_mhz =
      utilisation > 0.0 ? preset.gpu.max_sm_clock_mhz : preset.gpu.idle_sm_clock_mhz;
  sample.power_w = model.idle_w + (model.max_w - model.idle_w) * utilisation;
  sample.temp_c = activity.temperature_c(now_s, model);

  const std::int64_t hbm_bytes = std::max<std::int64_t>(preset.gpu.hbm_bytes, 0);
  const std::int64_t used_bytes = preset.model.weight_bytes + preset.gpu.activation_reserve_bytes +
                                  std::max<std::int64_t>(kv_bytes_in_use, 0) + kCudaContextBytes;
  const std::int64_t total_mib = whole_mib(hbm_bytes);
  sample.fb_used_mib = std::min(whole_mib(used_bytes), total_mib);
  sample.fb_free_mib = total_mib - sample.fb_used_mib;
  return sample;
}

GpuSample sample_gpu(const GpuPreset& preset, const GpuActivity& activity,
                     std::int64_t kv_bytes_in_use, double now_s) {
  return sample_gpu(preset, activity, kv_bytes_in_use, now_s, gpu_power_model(preset.gpu));
}

std::string fake_gpu_uuid(int index) {
  // Seeded with "llmpace" in ASCII so the UUIDs look like nothing in particular.
  const std::uint64_t seed = 0x6c6c6d70616365ull ^ static_cast<std::uint64_t>(index);
  const std::uint64_t high = splitmix64(seed);
  const std::uint64_t low = splitmix64(high);
  return fmt::format("GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffff'ffff'ffffull);
}

std::string render_dcgm_metrics(const GpuSample& sample, const DcgmLabels& labels) {
  const std::string set = label_set(labels);
  const auto integer = [](double value) { return fmt::format("{}", std::llround(value)); };
  const auto floating = [](double value) { return fmt::format("{:f}", value); };
  const auto ratio = [&floating](double value) { return floating(std::clamp(value, 0.0, 1.0)); };
  std::string out;
  append_gauge(out, "DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", set,
               integer(sample.sm_clock_mhz));
  append_gauge(out, "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", set, integer(sample.temp_c));
  append_gauge(out, "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", set, floating(sample.power_w));
  append_gauge(out, "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", set,
               integer(std::clamp(sample.gpu_util_percent, 0.0, 100.0)));
  append_gauge(out, "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", set,
               fmt::format("{}", sample.fb_free_mib));
  append_gauge(out, "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", set,
               fmt::format("{}", sample.fb_used_mib));
  append_gauge(out, "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "Ratio of time the graphics engine is active.",
               set, ratio(sample.gr_engine_active_ratio));
  append_gauge(out, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
               "Ratio of cycles the tensor (HMMA) pipe is active.", set,
               ratio(sample.tensor_active_ratio));
  append_gauge(out, "DCGM_FI_PROF_DRAM_ACTIVE",
               "Ratio of cycles the device memory interface is active sending or receiving data.",
               set, ratio(sample.dram_active_ratio));
  return out;
}

}  // namespace llmpace::sim
