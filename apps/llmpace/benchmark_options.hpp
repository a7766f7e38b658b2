// The flags of `llmpace benchmark`, bound to flag-neutral RunSettings, and the scenario file they
// override. Planning itself is the library's (plan/run_plan.hpp); this file only binds flags and
// says where a setting came from when an error names it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/setting_error.hpp"
#include "llmpace/scenario/run_settings.hpp"
#include "llmpace/scenario/scenario_file.hpp"

namespace llmpace::app {

/// The flags as typed.
struct BenchmarkOptions {
  scenario::RunSettings flags;  // only what the command line set
  std::string scenario_path;    // --scenario FILE
  std::vector<std::string> headers;
  std::vector<std::string> outputs;
  std::vector<std::string> gpu_metrics;
  std::vector<std::string> metrics_headers;
  bool stop_on_saturation = false;
  scenario::GuidellmFlags guidellm;  // --outputs, --output-dir, --backend-args (docs/guidellm.md)
  bool insecure = false;             // flags without a value: set only when given
  bool drain = false;
  bool quiet = false;
  // Prometheus (docs/prometheus.md): not run settings, so not scenario-file keys.
  std::string push_gateway;                   // --push-gateway URL
  std::optional<std::uint16_t> metrics_port;  // --metrics-port PORT (0: an ephemeral port)
  std::string metrics_address = "0.0.0.0";    // --metrics-address
};

void add_benchmark_flags(CLI::App& cli, BenchmarkOptions& options);

/// The settings of the run: the scenario file's (if any) overlaid by the command line's, and
/// where each came from.
struct GivenSettings {
  scenario::RunSettings settings;
  std::optional<scenario::ScenarioFile> file;
  scenario::RunSettings flags;

  /// The one-line text of a SettingError: "--rate: ..." for a flag, "chat.yaml:7: rate: ..."
  /// for a file line.
  [[nodiscard]] std::string describe(const SettingError& error) const;
};

/// Reads the scenario file and overlays the flags. Throws ConfigError ("FILE:LINE: ...").
GivenSettings gather_settings(const BenchmarkOptions& options);

}  // namespace llmpace::app
