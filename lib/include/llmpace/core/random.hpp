// Seeded randomness that means the same thing with every standard library.
//
// The standard specifies the raw output of std::mt19937_64 but not the algorithms of
// std::uniform_int_distribution, std::exponential_distribution, std::normal_distribution,
// std::gamma_distribution or std::bernoulli_distribution: libstdc++ and libc++ draw different
// values from the same engine. A seed must give the same schedule, the same jitter and the same
// shuffle everywhere, so llmpace draws every seeded value through this file and never through
// <random>'s distributions.
//
// The engine is xoshiro256** 1.0 (Blackman and Vigna, public domain), its state seeded from one
// 64-bit seed by splitmix64 as its authors recommend. Chosen over std::mt19937_64 because its
// 32-byte state makes a copy cheap (every worker copies its ArrivalSchedule; every simulator io
// thread owns a generator), seeding costs four mixes instead of 312 steps, and the published
// reference outputs let a test pin the engine itself, not only what we built on it.
//
// The distributions are written out here, each a few lines of a textbook algorithm:
//   uniform_unit      top 53 bits / 2^53                      [0, 1), one draw
//   uniform_below     rejection on 64-bit draws (no modulo bias) [0, bound), >= 1 draw
//   exponential       -log(1 - u)                             mean 1, one draw
//   standard_normal   Box–Muller, cosine branch only           mean 0, sd 1, two draws
//   gamma             Marsaglia–Tsang (2000); shape < 1 by the boost Gamma(k+1) * U^(1/k)
//   bernoulli         u < p                                    one draw, whatever p is
// Only sqrt (exact in IEEE 754) and log/cos/pow from <cmath> are used; those are within an ulp
// on every mainstream libm, so a seed gives the same sequence up to the last bit of a double.
//
// Thread affinity: an Rng is a value; one thread uses an instance at a time. The free functions
// are pure apart from advancing the generator they are given.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace llmpace {

/// xoshiro256**: a 64-bit generator with a period of 2^256 − 1. Satisfies
/// std::uniform_random_bit_generator.
class Rng {
 public:
  using result_type = std::uint64_t;

  /// State words s[i] = splitmix64(seed + i * 0x9e3779b97f4a7c15), i.e. the first four outputs
  /// of a splitmix64 generator started at `seed` (never all zero: splitmix64 is a bijection).
  explicit Rng(std::uint64_t seed = 0);

  /// A generator with exactly this state (tests pin the reference outputs with it). The state
  /// must not be all zero; throws std::invalid_argument if it is.
  static Rng from_state(const std::array<std::uint64_t, 4>& state);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  /// The next 64 random bits.
  result_type operator()() {
    const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotate_left(state_[3], 45);
    return result;
  }

  friend bool operator==(const Rng&, const Rng&) = default;

 private:
  static constexpr std::uint64_t rotate_left(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }

  std::array<std::uint64_t, 4> state_{};
};

/// A uniform double in [0, 1) with 53 random bits. One draw.
double uniform_unit(Rng& rng);

/// A uniform integer in [0, bound), without modulo bias: draws below 2^64 mod bound are rejected
/// (fewer than one draw in 2^32 for bounds below 2^32). Throws std::invalid_argument if bound is 0.
std::uint64_t uniform_below(Rng& rng, std::uint64_t bound);

/// Exponential with mean 1 (rate 1), in [0, ~37]. One draw.
double exponential(Rng& rng);

/// A standard normal deviate from two 64-bit words (Box–Muller, cosine branch): the pure form
/// that hash-driven callers use (synthetic lengths). u1 = 1 − unit(bits_a) in (0, 1],
/// u2 = unit(bits_b); result sqrt(−2 ln u1) cos(2π u2).
double normal_from_bits(std::uint64_t bits_a, std::uint64_t bits_b);

/// Standard normal (mean 0, standard deviation 1): normal_from_bits(rng(), rng()). Two draws; no
/// second deviate is cached, so the generator is the whole state.
double standard_normal(Rng& rng);

/// Gamma with shape k and scale 1 (mean k, variance k), by Marsaglia and Tsang's squeeze method;
/// for k < 1, Gamma(k + 1) * U^(1/k). A variable number of draws (about 2.1 per value for k >= 1).
/// Throws std::invalid_argument unless 0 < shape < infinity.
double gamma(Rng& rng, double shape);

/// True with probability p (p <= 0: never, p >= 1: always). Always one draw, so the stream does
/// not depend on p.
bool bernoulli(Rng& rng, double p);

}  // namespace llmpace
