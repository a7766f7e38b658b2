// Wall-clock bounds in tests: the one place that says how much slower a sanitized build may be.
//
// Under AddressSanitizer/UBSan every process runs a few times slower, under ThreadSanitizer
// several times more, so a test states its upper bounds on elapsed time or lateness through
// relaxed() / relaxed_ms(), which scale them by kTimingSlack (1 in a plain build). Lower bounds
// are causality (a request cannot end before its tokens were due) and are never relaxed.
// Catch tests with such bounds carry the tag [timing]; CTest runs them alone (RUN_SERIAL), never
// beside CPU-heavy tests (tests/CMakeLists.txt, docs/development.md).
//
// Header-only, constants only; usable from any thread.
#pragma once

#include <chrono>

namespace llmpace::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr double kTimingSlack = 10.0;
#elif defined(LLMPACE_SANITIZED) || defined(__SANITIZE_ADDRESS__)
inline constexpr double kTimingSlack = 4.0;
#else
inline constexpr double kTimingSlack = 1.0;
#endif

/// True in a sanitized build (LLMPACE_SANITIZED comes with cmake/Sanitizers.cmake's target).
inline constexpr bool kSanitized = kTimingSlack > 1.0;

/// An upper bound on a duration, as generous as this build needs.
template <class Rep, class Period>
constexpr std::chrono::nanoseconds relaxed(std::chrono::duration<Rep, Period> bound) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(bound * kTimingSlack);
}

/// The same for a bound in milliseconds (or any unit of time given as a number).
constexpr double relaxed_ms(double bound_ms) { return bound_ms * kTimingSlack; }

}  // namespace llmpace::test
