#include "llmpace/report/report.hpp"

namespace llmpace::report {

BenchmarkReport make_benchmark_report(const metrics::BenchmarkResult& result) {
  return BenchmarkReport{
      .profile = result.profile,
      .rate = result.rate,
      .interrupted = result.interrupted,
      .stop_reason = std::string(metrics::to_string(result.stop_reason)),
      .workers = result.workers,
      .metrics = metrics::compute_metrics(result),
      .settle = std::nullopt,
      .telemetry = std::nullopt,
      .diagnosis = std::nullopt,
  };
}

}  // namespace llmpace::report
