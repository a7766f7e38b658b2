#include "llmpace/profile/sweep.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmpace/core/error.hpp"

namespace llmpace::profile {
namespace {

void validate_measured_rate(double rate, const char* stage) {
  if (!(rate > 0.0) || !std::isfinite(rate)) {
    throw RunError(fmt::format(
        "sweep: the {} stage measured {} req/s; it needs completed requests to set the rates",
        stage, rate));
  }
}

}  // namespace

std::vector<double> sweep_rates(double synchronous_rate, double throughput_rate,
                                int benchmark_count) {
  if (benchmark_count < 2) {
    throw ConfigError(fmt::format(
        "--rate: a sweep needs at least 2 benchmarks (synchronous and throughput), got {}",
        benchmark_count));
  }
  validate_measured_rate(synchronous_rate, "synchronous");
  validate_measured_rate(throughput_rate, "throughput");

  // GuideLLM (SweepProfile.next_strategy in guidellm/benchmark/profile.py) takes
  // numpy.linspace(r_sync, r_max, K - 1) and drops the first point, which the synchronous stage
  // already measured. numpy computes start + i * step and sets the endpoint to stop exactly; so do
  // we, so the rates match GuideLLM's to the last bit.
  const int points = benchmark_count - 1;
  std::vector<double> rates;
  if (points < 2) return rates;
  const double step = (throughput_rate - synchronous_rate) / (points - 1);
  rates.reserve(static_cast<std::size_t>(points - 1));
  for (int i = 1; i < points - 1; ++i) rates.push_back(synchronous_rate + i * step);
  rates.push_back(throughput_rate);
  return rates;
}

}  // namespace llmpace::profile
