// Time types shared by every module. All request timing uses the monotonic steady clock at
// nanosecond resolution; wall-clock time appears only in report metadata.
#pragma once

#include <chrono>
#include <cstdint>

namespace llmpace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Nanoseconds = std::chrono::nanoseconds;
using Milliseconds = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

/// Floating-point milliseconds for reports: `to_ms(ttft)`.
constexpr double to_ms(Nanoseconds duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

/// Floating-point seconds for reports and rates.
constexpr double to_seconds(Nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

/// Converts floating-point milliseconds (as users type them) to nanoseconds, rounding to nearest.
constexpr Nanoseconds from_ms(double milliseconds) {
  return std::chrono::round<Nanoseconds>(std::chrono::duration<double, std::milli>(milliseconds));
}

/// Converts floating-point seconds to nanoseconds, rounding to nearest.
constexpr Nanoseconds from_seconds(double seconds) {
  return std::chrono::round<Nanoseconds>(std::chrono::duration<double>(seconds));
}

}  // namespace llmpace
