// Small helpers shared by the readers of server and GPU metrics (readings.cpp, gpu_readings.cpp):
// label values without Sample::label, so the vocabulary needs nothing of the parser, and the
// checks that keep impossible values out of a reading. Private to the telemetry module.
//
// Pure; safe from any thread.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry::detail {

/// The value of a label; nullopt when the sample has none of that name.
inline std::optional<std::string_view> label_of(const Sample& sample, std::string_view name) {
  for (const Label& label : sample.labels) {
    if (label.name == name) return std::string_view(label.value);
  }
  return std::nullopt;
}

inline std::string label_or_empty(const Sample& sample, std::string_view name) {
  return std::string(label_of(sample, name).value_or(std::string_view{}));
}

/// A count, a counter, a gauge of things, a duration: finite and not negative.
inline bool valid_count(double value) { return std::isfinite(value) && value >= 0.0; }
/// A fraction: 0..1.
inline bool valid_fraction(double value) { return valid_count(value) && value <= 1.0; }
/// A percentage: 0..100.
inline bool valid_percent(double value) { return valid_count(value) && value <= 100.0; }

}  // namespace llmpace::telemetry::detail
