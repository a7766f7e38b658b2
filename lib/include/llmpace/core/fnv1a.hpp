// FNV-1a, 64 bits: a fingerprint of bytes that is the same on every platform and run (unlike
// std::hash), for telling whether two runs sent the same request bodies. Not for security.
// Pure; constexpr.
#pragma once

#include <cstdint>
#include <string_view>

namespace llmpace {

constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

static_assert(fnv1a64("") == 0xcbf29ce484222325ull);
static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cull);

}  // namespace llmpace
