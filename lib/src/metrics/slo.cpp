#include "llmpace/metrics/slo.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <utility>

#include "llmpace/core/error.hpp"

namespace llmpace::metrics {
namespace {

constexpr std::pair<std::string_view, std::optional<double> Slo::*> kObjectives[] = {
    {"ttft_ms", &Slo::ttft_ms},
    {"tpot_ms", &Slo::tpot_ms},
    {"itl_mean_ms", &Slo::itl_mean_ms},
    {"latency_ms", &Slo::latency_ms},
};

ConfigError bad_slo(std::string_view part) {
  return ConfigError(fmt::format(
      "--slo: expected name=milliseconds with names ttft_ms, tpot_ms, itl_mean_ms, latency_ms, "
      "got '{}'",
      part));
}

}  // namespace

std::string Slo::to_string() const {
  std::string text;
  for (const auto& [name, member] : kObjectives) {
    if (!(this->*member)) continue;
    text += fmt::format("{}{}={:g}", text.empty() ? "" : ",", name, *(this->*member));
  }
  return text;
}

Slo parse_slo(std::string_view text) {
  Slo slo;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto equals = part.find('=');
    if (equals == std::string_view::npos) throw bad_slo(part);
    const std::string_view name = part.substr(0, equals);
    const std::string_view number = part.substr(equals + 1);
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc{} || end != number.data() + number.size() ||
        !std::isfinite(value) || value <= 0) {
      throw bad_slo(part);
    }
    bool known = false;
    for (const auto& [objective, member] : kObjectives) {
      if (name == objective) {
        slo.*member = value;
        known = true;
      }
    }
    if (!known) throw bad_slo(part);
  }
  if (slo.empty()) throw bad_slo("");
  return slo;
}

}  // namespace llmpace::metrics
