#include "llmpace/core/random.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "llmpace/core/splitmix64.hpp"

namespace llmpace {

Rng::Rng(std::uint64_t seed) {
  constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t i = 0; i < state_.size(); ++i) state_[i] = splitmix64(seed + i * kGolden);
}

Rng Rng::from_state(const std::array<std::uint64_t, 4>& state) {
  if (state == std::array<std::uint64_t, 4>{}) {
    throw std::invalid_argument("Rng::from_state: the state must not be all zero");
  }
  Rng rng;
  rng.state_ = state;
  return rng;
}

double uniform_unit(Rng& rng) { return unit_interval(rng()); }

std::uint64_t uniform_below(Rng& rng, std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("uniform_below: the bound must be at least 1");
  // [threshold, 2^64) holds a whole number of copies of [0, bound).
  const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    const std::uint64_t value = rng();
    if (value >= threshold) return value % bound;
  }
}

double exponential(Rng& rng) {
  // 1 − u is in (0, 1] and exact (u has 53 bits), so the logarithm is finite.
  return -std::log(1.0 - uniform_unit(rng));
}

double normal_from_bits(std::uint64_t bits_a, std::uint64_t bits_b) {
  const double u1 = 1.0 - unit_interval(bits_a);  // (0, 1]
  const double u2 = unit_interval(bits_b);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double standard_normal(Rng& rng) {
  const std::uint64_t bits_a = rng();
  return normal_from_bits(bits_a, rng());
}

double gamma(Rng& rng, double shape) {
  if (!(shape > 0.0) || !std::isfinite(shape)) {
    throw std::invalid_argument("gamma: the shape must be a positive finite number");
  }
  if (shape < 1.0) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k) (Marsaglia and Tsang, section 4), U in (0, 1].
    const double boosted = gamma(rng, shape + 1.0);
    return boosted * std::pow(1.0 - uniform_unit(rng), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = standard_normal(rng);
    const double base = 1.0 + c * x;
    if (base <= 0.0) continue;
    const double v = base * base * base;
    const double u = 1.0 - uniform_unit(rng);  // (0, 1], so log(u) is finite
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;                            // squeeze
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;  // exact test
  }
}

bool bernoulli(Rng& rng, double p) { return uniform_unit(rng) < p; }

}  // namespace llmpace
