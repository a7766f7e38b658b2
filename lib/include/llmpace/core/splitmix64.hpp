// splitmix64: Steele, Lea and Flood's 64-bit mixing function (the seed expander of
// xoshiro/xorshift), used where a deterministic draw must come from a hash of (seed, key) instead
// of a stateful RNG, so that any thread can make it in any order and get the same answer.
// Pure; constexpr.
#pragma once

#include <cstdint>

namespace llmpace {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// A uniform double in [0, 1) from the top 53 bits of `bits`.
constexpr double unit_interval(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

}  // namespace llmpace
