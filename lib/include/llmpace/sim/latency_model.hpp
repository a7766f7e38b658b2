// LatencyModel: how long the simulated server takes to produce the first token and each next one.
// SimServer asks it once per request for the TTFT and once per further token for the gap, and
// schedules every token at an absolute deadline built from those answers.
//
// SimpleLatencyModel is the model of `llmpace sim`: fixed TTFT and ITL with seeded, clamped
// Gaussian jitter; prompt length and load do not matter. With a preset the simulator times tokens
// with the continuous-batching InferenceModel instead (inference_model.hpp), not through this
// interface.
//
// Thread affinity: SimServer gives every io thread its own instance; an instance is not
// synchronised.
#pragma once

#include <cstdint>

#include "llmpace/core/random.hpp"
#include "llmpace/core/time.hpp"

namespace llmpace::sim {

class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  /// Time from the fully read request to its first output token.
  virtual Nanoseconds time_to_first_token(std::int64_t prompt_tokens) = 0;
  /// Gap between two consecutive output tokens of one request.
  virtual Nanoseconds inter_token_latency() = 0;
};

class SimpleLatencyModel final : public LatencyModel {
 public:
  /// `jitter` is the relative standard deviation (0.05 = 5%); the noise is clamped to ±3σ and
  /// the result to >= 0, so a delay never exceeds base * (1 + 3 * jitter).
  SimpleLatencyModel(Nanoseconds ttft, Nanoseconds itl, double jitter, std::uint64_t seed);

  Nanoseconds time_to_first_token(std::int64_t prompt_tokens) override;
  Nanoseconds inter_token_latency() override;

 private:
  Nanoseconds jittered(Nanoseconds base);

  Nanoseconds ttft_;
  Nanoseconds itl_;
  double jitter_;
  Rng rng_;
};

}  // namespace llmpace::sim
