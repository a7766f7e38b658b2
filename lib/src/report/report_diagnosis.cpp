#include "llmpace/report/report_diagnosis.hpp"

#include <vector>

namespace llmpace::report {
namespace {

/// Telemetry the diagnosis can use: a server or GPU summary, not just notes on why there is none.
const telemetry::TelemetrySummary* usable_telemetry(const BenchmarkReport& benchmark) {
  if (!benchmark.telemetry) return nullptr;
  const telemetry::TelemetrySummary& summary = *benchmark.telemetry;
  return summary.server || !summary.gpus.empty() ? &summary : nullptr;
}

}  // namespace

void diagnose_report(Report& report, const metrics::Slo& slo) {
  std::vector<telemetry::DiagnosisInput> inputs;
  inputs.reserve(report.benchmarks.size());
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    telemetry::DiagnosisInput input;
    input.metrics = &benchmark.metrics;
    input.telemetry = usable_telemetry(benchmark);
    input.slo = slo;
    input.profile = benchmark.profile;
    input.rate = benchmark.rate;
    input.stopped_on_saturation = benchmark.stop_reason == "over_saturated";
    inputs.push_back(std::move(input));
  }
  const std::optional<telemetry::UnloadedReference> unloaded =
      telemetry::unloaded_reference_of(inputs);
  std::vector<telemetry::SweepStage> stages;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    inputs[i].unloaded = unloaded;
    report.benchmarks[i].diagnosis = telemetry::diagnose_benchmark(inputs[i]);
    stages.push_back({inputs[i], *report.benchmarks[i].diagnosis});
  }
  if (stages.size() >= 2) report.sweep_diagnosis = telemetry::diagnose_sweep(stages);
}

}  // namespace llmpace::report
