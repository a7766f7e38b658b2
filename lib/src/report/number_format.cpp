#include "llmpace/report/number_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace llmpace::report {
namespace {

/// Rates at or above this are never written as whole numbers (a 1e9 rate with its decimals).
constexpr double kWholeRateBelow = 1e9;

}  // namespace

std::string format_ms(double value_ms, NonFinite non_finite) {
  if (non_finite == NonFinite::absent && !std::isfinite(value_ms)) return std::string(kAbsent);
  const double magnitude = std::abs(value_ms);
  if (magnitude < 1) return fmt::format("{:.3f}", value_ms);
  if (magnitude < 10) return fmt::format("{:.2f}", value_ms);
  if (magnitude < 1000) return fmt::format("{:.1f}", value_ms);
  return fmt::format("{:.0f}", value_ms);
}

std::string format_fixed(double value, int decimals, NonFinite non_finite) {
  if (non_finite == NonFinite::absent && !std::isfinite(value)) return std::string(kAbsent);
  return fmt::format("{:.{}f}", value, decimals);
}

std::string format_rate(const std::optional<double>& rate) {
  if (!rate || !std::isfinite(*rate)) return std::string(kAbsent);
  if (*rate == std::floor(*rate) && std::abs(*rate) < kWholeRateBelow) {
    return fmt::format("{:.0f}", *rate);
  }
  return fmt::format("{:.2f}", *rate);
}

std::string exact_number(const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) return "";
  return fmt::format("{}", *value);
}

}  // namespace llmpace::report
