// The llmpace version, set from the CMake project version.
#pragma once

#include <string_view>

namespace llmpace {

inline constexpr std::string_view kVersion = LLMPACE_VERSION;

}  // namespace llmpace
