#include "llmpace/sim/latency_model.hpp"

#include <algorithm>
#include <cmath>

namespace llmpace::sim {

SimpleLatencyModel::SimpleLatencyModel(Nanoseconds ttft, Nanoseconds itl, double jitter,
                                       std::uint64_t seed)
    : ttft_(ttft), itl_(itl), jitter_(jitter), rng_(seed) {}

Nanoseconds SimpleLatencyModel::time_to_first_token(std::int64_t /*prompt_tokens*/) {
  return jittered(ttft_);
}

Nanoseconds SimpleLatencyModel::inter_token_latency() { return jittered(itl_); }

Nanoseconds SimpleLatencyModel::jittered(Nanoseconds base) {
  // jitter 0 draws nothing, so the configured delays are exact and the RNG stream is untouched.
  if (jitter_ <= 0.0) return base;
  const double noise = std::clamp(standard_normal(rng_), -3.0, 3.0) * jitter_;
  const double factor = std::max(0.0, 1.0 + noise);
  return Nanoseconds{std::llround(static_cast<double>(base.count()) * factor)};
}

}  // namespace llmpace::sim
