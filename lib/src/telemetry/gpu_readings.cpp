// read_gpu_metrics(): dcgm-exporter's DCGM_FI_* fields, one GpuReading per GPU
// (docs/telemetry.md#vocabulary).
#include <algorithm>
#include <array>

#include "llmpace/telemetry/readings.hpp"
#include "sample_values.hpp"

namespace llmpace::telemetry {
namespace {

using detail::label_of;
using detail::label_or_empty;
using detail::valid_count;
using detail::valid_fraction;
using detail::valid_percent;

struct DcgmField {
  std::string_view name;
  std::optional<double> GpuReading::*member;
  bool (*valid)(double);
};

constexpr std::array<DcgmField, 9> kDcgmFields{{
    {"DCGM_FI_DEV_GPU_UTIL", &GpuReading::util_percent, valid_percent},
    {"DCGM_FI_PROF_GR_ENGINE_ACTIVE", &GpuReading::gr_engine_active, valid_fraction},
    {"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", &GpuReading::tensor_active, valid_fraction},
    {"DCGM_FI_PROF_DRAM_ACTIVE", &GpuReading::dram_active, valid_fraction},
    {"DCGM_FI_DEV_FB_USED", &GpuReading::fb_used_mib, valid_count},
    {"DCGM_FI_DEV_FB_FREE", &GpuReading::fb_free_mib, valid_count},
    {"DCGM_FI_DEV_POWER_USAGE", &GpuReading::power_w, valid_count},
    {"DCGM_FI_DEV_GPU_TEMP", &GpuReading::temp_c, valid_count},
    {"DCGM_FI_DEV_SM_CLOCK", &GpuReading::sm_clock_mhz, valid_count},
}};

const DcgmField* dcgm_field(std::string_view name) {
  for (const DcgmField& field : kDcgmFields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

}  // namespace

std::vector<GpuReading> read_gpu_metrics(const Exposition& exposition) {
  std::vector<GpuReading> gpus;
  std::vector<std::string> keys;
  for (const Sample& sample : exposition.samples) {
    const DcgmField* field = dcgm_field(sample.name);
    if (field == nullptr) continue;
    std::string gpu = label_or_empty(sample, "gpu");
    if (const auto instance = label_of(sample, "GPU_I_ID"); instance && !instance->empty()) {
      gpu.append("/").append(*instance);
    }
    const std::string uuid = label_or_empty(sample, "UUID");
    const std::string hostname = label_or_empty(sample, "Hostname");
    std::string key = uuid.empty() ? "gpu\x1f" + gpu + "\x1f" + hostname : "uuid\x1f" + uuid;
    if (const auto instance = label_of(sample, "GPU_I_ID"); instance && !uuid.empty()) {
      key.append("\x1f").append(*instance);
    }
    auto found = std::find(keys.begin(), keys.end(), key);
    if (found == keys.end()) {
      keys.push_back(std::move(key));
      GpuReading reading;
      reading.gpu = std::move(gpu);
      reading.uuid = uuid;
      reading.model_name = label_or_empty(sample, "modelName");
      reading.hostname = hostname;
      gpus.push_back(std::move(reading));
      found = keys.end() - 1;
    }
    GpuReading& reading = gpus[static_cast<std::size_t>(found - keys.begin())];
    std::optional<double>& value = reading.*(field->member);
    if (!value && field->valid(sample.value)) value = sample.value;
  }
  return gpus;
}

}  // namespace llmpace::telemetry
