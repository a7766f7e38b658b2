// Number formatting for diagnosis verdicts and evidence (private to the telemetry module): plain
// ASCII, three significant figures at most, no exponent, trailing zeros dropped.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace llmpace::telemetry::detail {

/// 1234.5 -> "1234", 94.94 -> "94.9", 3.14159 -> "3.14", 0.0004 -> "0", 2.0 -> "2".
inline std::string num(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
  const double magnitude = std::abs(value);
  std::string text = fmt::format("{:.{}f}", value, magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

/// A percentage with at most two decimals, so a figure just under a threshold never prints as
/// the threshold: 94.99 -> "94.99 %", 41.0 -> "41 %".
inline std::string percent(double value) {
  if (!std::isfinite(value)) return num(value) + " %";
  std::string text = fmt::format("{:.2f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  if (text == "-0") text = "0";
  return text + " %";
}

/// A 0..1 fraction as a percentage: 0.994 -> "99.4 %".
inline std::string percent_of_fraction(double fraction) { return percent(fraction * 100.0); }

/// A signed slope: "+3.2/s".
inline std::string signed_num(double value) { return (value >= 0 ? "+" : "") + num(value); }

}  // namespace llmpace::telemetry::detail
