// The small functions of the exposition data model (exposition.hpp).
#include <string_view>

#include "exposition_lexing.hpp"
#include "family_lookup.hpp"
#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry {

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
    case MetricType::gaugehistogram:
      return "gaugehistogram";
    case MetricType::summary:
      return "summary";
    case MetricType::info:
      return "info";
    case MetricType::stateset:
      return "stateset";
    case MetricType::unknown:
      break;
  }
  return "unknown";
}

std::optional<std::string_view> Sample::label(std::string_view label_name) const {
  for (const Label& label : labels) {
    if (label.name == label_name) return std::string_view(label.value);
  }
  return std::nullopt;
}

const Family* Exposition::family_of(const Sample& sample) const {
  return detail::family_for(sample.name, [this](std::string_view name) -> const Family* {
    for (const Family& family : families) {
      if (family.name == name) return &family;
    }
    return nullptr;
  });
}

std::optional<double> parse_sample_value(std::string_view text) {
  return lexing::parse_float(text);
}

}  // namespace llmpace::telemetry
