// Simulated dcgm-exporter telemetry: windowed utilisation, the thermal lag, framebuffer accounting
// and the Prometheus text rendering.
#include "llmpace/sim/gpu_telemetry.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "llmpace/sim/gpu_preset.hpp"

using namespace llmpace::sim;

namespace {

const GpuPreset& bf16() {
  const GpuPreset* found = find_preset("mistral-small-24b-bf16-h100");
  REQUIRE(found != nullptr);
  return *found;
}

// 10 ms steps every 20 ms from `from_s` to `to_s`: a 50% duty cycle.
void half_busy(GpuActivity& activity, double from_s, double to_s) {
  for (double t = from_s; t + 0.01 <= to_s + 1e-12; t += 0.02) activity.on_step(t, t + 0.01);
}

}  // namespace

TEST_CASE("an idle GPU reads 0% busy at idle temperature and power", "[gpu_telemetry]") {
  const GpuActivity activity;
  const GpuPowerModel model;
  CHECK(activity.utilisation(100.0) == 0.0);
  CHECK(activity.temperature_c(100.0) == Approx(model.idle_temp_c));

  const GpuSample sample = sample_gpu(bf16(), activity, 0, 100.0);
  CHECK(sample.gpu_util_percent == 0.0);
  CHECK(sample.gr_engine_active_ratio == 0.0);
  CHECK(sample.power_w == Approx(model.idle_w));
  CHECK(sample.temp_c == Approx(model.idle_temp_c));
}

TEST_CASE("steps covering half of the last second read 50% busy", "[gpu_telemetry]") {
  GpuActivity activity;
  half_busy(activity, 10.0, 12.0);
  CHECK(activity.utilisation(12.0) * 100.0 == Approx(50.0).margin(1.0));
  const GpuSample sample = sample_gpu(bf16(), activity, 0, 12.0);
  CHECK(sample.gpu_util_percent == Approx(50.0).margin(1.0));
  CHECK(sample.gr_engine_active_ratio == Approx(0.5).margin(0.01));
  CHECK(sample.power_w == Approx(70.0 + 630.0 * 0.5).margin(7.0));
}

TEST_CASE("utilisation counts only the part of a step inside the window", "[gpu_telemetry]") {
  GpuActivity activity;  // 1 s window
  activity.on_step(0.0, 2.0);
  CHECK(activity.utilisation(2.5) == Approx(0.5));  // window [1.5, 2.5]: 1.5..2.0 busy
  CHECK(activity.utilisation(1.0) == Approx(1.0));
  CHECK(activity.utilisation(0.25) == Approx(0.25));  // window starts before the step
  CHECK(activity.utilisation(3.0) == 0.0);
  activity.on_step(3.2, 3.4);
  CHECK(activity.utilisation(3.5) == Approx(0.2));
  CHECK(activity.utilisation(3.3) == Approx(0.1));  // a step still running counts up to now

  GpuActivity wide(4.0);
  wide.on_step(0.0, 2.0);
  CHECK(wide.window_s() == 4.0);
  CHECK(wide.utilisation(4.0) == Approx(0.5));
}

TEST_CASE("overlapping and empty steps do not count twice", "[gpu_telemetry]") {
  GpuActivity activity;
  activity.on_step(0.0, 0.6);
  activity.on_step(0.4, 0.8);   // clipped to 0.6..0.8
  activity.on_step(0.9, 0.9);   // empty
  activity.on_step(0.95, 0.9);  // backwards
  CHECK(activity.utilisation(1.0) == Approx(0.8));
}

TEST_CASE("temperature follows utilisation with a first-order lag", "[gpu_telemetry]") {
  const GpuPowerModel model;
  GpuActivity activity;
  CHECK(activity.temp_time_constant_s() == 30.0);

  activity.on_step(0.0, 30.0);  // one time constant fully busy
  CHECK(activity.temperature_c(30.0) ==
        Approx(model.idle_temp_c + model.full_load_temp_rise_c * (1.0 - std::exp(-1.0))));
  CHECK(activity.temperature_c(15.0) ==
        Approx(model.idle_temp_c + model.full_load_temp_rise_c * (1.0 - std::exp(-0.5))));
  // Cools back towards idle once the GPU goes quiet.
  CHECK(activity.temperature_c(60.0) ==
        Approx(model.idle_temp_c +
               model.full_load_temp_rise_c * (1.0 - std::exp(-1.0)) * std::exp(-1.0)));

  // A long 50% duty cycle settles at idle + rise / 2.
  GpuActivity steady;
  half_busy(steady, 0.0, 600.0);
  CHECK(steady.temperature_c(600.0) ==
        Approx(model.idle_temp_c + 0.5 * model.full_load_temp_rise_c).margin(0.5));
  CHECK(sample_gpu(bf16(), steady, 0, 600.0).temp_c == Approx(52.0).margin(0.5));
}

TEST_CASE("framebuffer use grows with the KV cache in use byte for byte", "[gpu_telemetry]") {
  const GpuPreset& preset = bf16();
  const GpuActivity activity;
  const std::int64_t total_mib = preset.gpu.hbm_bytes / kBytesPerMiB;

  const GpuSample empty = sample_gpu(preset, activity, 0, 0.0);
  CHECK(empty.fb_used_mib ==
        (preset.model.weight_bytes + preset.gpu.activation_reserve_bytes + kCudaContextBytes) /
            kBytesPerMiB);
  CHECK(empty.fb_used_mib + empty.fb_free_mib == total_mib);

  for (const std::int64_t kv_mib : {1, 1000, 12345}) {
    const GpuSample used = sample_gpu(preset, activity, kv_mib * kBytesPerMiB, 0.0);
    CHECK(used.fb_used_mib - empty.fb_used_mib == kv_mib);
    CHECK(used.fb_free_mib == empty.fb_free_mib - kv_mib);
  }
  const GpuSample full = sample_gpu(preset, activity, kv_budget_bytes(preset), 0.0);
  CHECK(full.fb_free_mib > 0);  // vLLM's 10% headroom is still free
  const GpuSample over = sample_gpu(preset, activity, preset.gpu.hbm_bytes, 0.0);
  CHECK(over.fb_used_mib == total_mib);
  CHECK(over.fb_free_mib == 0);
  CHECK(sample_gpu(preset, activity, -5, 0.0).fb_used_mib == empty.fb_used_mib);
}

TEST_CASE("fake GPU UUIDs are deterministic and shaped like nvidia-smi's", "[gpu_telemetry]") {
  const std::regex shape("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  CHECK(std::regex_match(fake_gpu_uuid(0), shape));
  CHECK(std::regex_match(fake_gpu_uuid(7), shape));
  CHECK(fake_gpu_uuid(0) == fake_gpu_uuid(0));
  CHECK(fake_gpu_uuid(0) != fake_gpu_uuid(1));
  CHECK(DcgmLabels{}.uuid == fake_gpu_uuid(0));
}

TEST_CASE("rendered metrics follow the Prometheus text format of dcgm-exporter",
          "[gpu_telemetry]") {
  GpuActivity activity;
  half_busy(activity, 0.0, 2.0);
  const GpuSample sample = sample_gpu(bf16(), activity, 3000 * kBytesPerMiB, 2.0);
  DcgmLabels labels;
  labels.hostname = "node \"a\"\\b";  // escaped in the output
  const std::string text = render_dcgm_metrics(sample, labels);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');

  const std::regex help(R"(# HELP ([A-Z_]+) \S.*)");
  const std::regex type(R"(# TYPE ([A-Z_]+) gauge)");
  const std::regex line(R"re(([A-Z_]+)\{((?:[A-Za-z_]+="(?:[^"\\]|\\.)*",?)*)\} (\S+))re");
  std::set<std::string> helped;
  std::set<std::string> typed;
  std::map<std::string, std::string> values;
  std::string labels_seen;
  std::istringstream lines(text);
  std::string row;
  while (std::getline(lines, row)) {
    std::smatch match;
    if (std::regex_match(row, match, help)) {
      CHECK(helped.insert(match[1]).second);
    } else if (std::regex_match(row, match, type)) {
      CHECK(helped.count(match[1]) == 1);
      CHECK(typed.insert(match[1]).second);
    } else {
      INFO(row);
      REQUIRE(std::regex_match(row, match, line));
      CHECK(typed.count(match[1]) == 1);
      CHECK(values.count(match[1]) == 0);
      values[match[1]] = match[3];
      labels_seen = match[2];
    }
  }
  CHECK(values.size() == 9);
  CHECK(labels_seen ==
        "gpu=\"0\",UUID=\"" + fake_gpu_uuid(0) +
            "\",pci_bus_id=\"00000000:18:00.0\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB "
            "HBM3\",Hostname=\"node \\\"a\\\"\\\\b\"");

  CHECK(values["DCGM_FI_DEV_GPU_UTIL"] == "50");
  CHECK(values["DCGM_FI_DEV_FB_USED"] == std::to_string(sample.fb_used_mib));
  CHECK(values["DCGM_FI_DEV_FB_FREE"] == std::to_string(sample.fb_free_mib));
  CHECK(values["DCGM_FI_DEV_GPU_TEMP"] == std::to_string(std::lround(sample.temp_c)));
  CHECK(std::stod(values["DCGM_FI_DEV_POWER_USAGE"]) == Approx(sample.power_w).margin(1e-6));
  CHECK(values["DCGM_FI_PROF_GR_ENGINE_ACTIVE"].size() == 8);  // "0.500000", as %f prints
  CHECK(std::stod(values["DCGM_FI_PROF_GR_ENGINE_ACTIVE"]) == Approx(0.5).margin(0.01));
  CHECK(values["DCGM_FI_DEV_SM_CLOCK"] == "1980");  // busy within the window: boost clock
  CHECK(values["DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"] == "0.000000");  // half_busy gives no shares
  CHECK(values["DCGM_FI_PROF_DRAM_ACTIVE"] == "0.000000");
  CHECK(text.rfind("# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n", 0) == 0);
  CHECK(text.find("# HELP DCGM_FI_PROF_PIPE_TENSOR_ACTIVE Ratio of cycles the tensor (HMMA) pipe "
                  "is active.\n") != std::string::npos);
  CHECK(text.find("# HELP DCGM_FI_PROF_DRAM_ACTIVE Ratio of cycles the device memory interface "
                  "is active sending or receiving data.\n") != std::string::npos);
  CHECK(text.find("# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n") != std::string::npos);
  CHECK(text.find("# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n") !=
        std::string::npos);

  labels.pci_bus_id.clear();
  CHECK(render_dcgm_metrics(sample, labels).find("pci_bus_id") == std::string::npos);
}

TEST_CASE("tensor and DRAM activity average each step's shares over the window",
          "[gpu_telemetry]") {
  GpuActivity activity;  // 1 s window
  // 0.0-0.4 s: a compute-bound step (tensor 0.9, DRAM 0.2); 0.4-0.8 s: memory-bound steps.
  activity.on_step(0.0, 0.4, 0.9, 0.2);
  for (double t = 0.4; t < 0.8 - 1e-9; t += 0.1) activity.on_step(t, t + 0.1, 0.05, 0.8);
  CHECK(activity.utilisation(1.0) == Approx(0.8));
  CHECK(activity.tensor_active(1.0) == Approx(0.4 * 0.9 + 0.4 * 0.05));
  CHECK(activity.dram_active(1.0) == Approx(0.4 * 0.2 + 0.4 * 0.8));
  // Only the part of a step inside the window counts.
  CHECK(activity.tensor_active(1.2) == Approx(0.2 * 0.9 + 0.4 * 0.05));
  CHECK(activity.tensor_active(2.0) == 0.0);
  // Shares are clamped to 0..1, NaN counts as 0.
  GpuActivity odd;
  odd.on_step(0.0, 0.5, 3.0, std::nan(""));
  CHECK(odd.tensor_active(1.0) == Approx(0.5));
  CHECK(odd.dram_active(1.0) == 0.0);
  // Back-to-back steps with other shares stay apart; alike ones may merge without changing sums.
  GpuActivity alike;
  for (int i = 0; i < 10; ++i) alike.on_step(i * 0.1, (i + 1) * 0.1, 0.5, 0.5);
  CHECK(alike.tensor_active(1.0) == Approx(0.5));
  CHECK(alike.dram_active(1.0) == Approx(0.5));
}

TEST_CASE("the sample follows the load: clock, shares and the preset's power model",
          "[gpu_telemetry]") {
  const GpuPreset* a100 = find_preset("llama-3.1-8b-bf16-a100");
  REQUIRE(a100 != nullptr);
  GpuActivity activity;
  const GpuSample idle = sample_gpu(*a100, activity, 0, 10.0);
  CHECK(idle.sm_clock_mhz == 210.0);
  CHECK(idle.power_w == Approx(40.0));
  CHECK(idle.tensor_active_ratio == 0.0);

  activity.on_step(9.0, 10.0, 0.93, 0.38);  // a second of compute-bound steps
  const GpuSample busy = sample_gpu(*a100, activity, 0, 10.0);
  CHECK(busy.sm_clock_mhz == 1410.0);
  CHECK(busy.gpu_util_percent == Approx(100.0));
  CHECK(busy.tensor_active_ratio == Approx(0.93));
  CHECK(busy.dram_active_ratio == Approx(0.38));
  CHECK(busy.power_w == Approx(400.0));  // the A100's TDP, not the H100's
  CHECK(gpu_power_model(a100->gpu).max_w == 400.0);
  // An explicit power model still wins.
  CHECK(sample_gpu(*a100, activity, 0, 10.0, GpuPowerModel{}).power_w == Approx(700.0));
  // Back to idle clocks once the window holds no step.
  CHECK(sample_gpu(*a100, activity, 0, 11.5).sm_clock_mhz == 210.0);

  DcgmLabels labels;
  labels.model_name = a100->gpu.product_name;
  const std::string text = render_dcgm_metrics(busy, labels);
  CHECK(text.find("modelName=\"NVIDIA A100-SXM4-80GB\"") != std::string::npos);
  CHECK(text.find("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{") != std::string::npos);
  CHECK(text.find("} 0.930000\n") != std::string::npos);
  CHECK(text.find("} 1410\n") != std::string::npos);
}
