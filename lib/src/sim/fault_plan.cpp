// Parsing of KIND:PROB fault specs (--fault) and the hash-based per-request fault draw; see
// fault_plan.hpp.
#include "llmpace/sim/fault_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <utility>

#include "llmpace/core/setting_error.hpp"
#include "llmpace/core/splitmix64.hpp"

namespace llmpace::sim {
namespace {

constexpr double kSumTolerance = 1e-9;

std::string valid_kinds() {
  std::string out;
  for (const FaultKind kind : kFaultKinds) {
    if (!out.empty()) out += ", ";
    out += to_string(kind);
  }
  return out;
}

SettingError fault_error(std::string_view problem) {
  return SettingError("faults", fmt::format("{} (kinds: {})", problem, valid_kinds()));
}

std::optional<FaultKind> kind_named(std::string_view name) {
  for (const FaultKind kind : kFaultKinds) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

std::size_t index_of(FaultKind kind) { return static_cast<std::size_t>(kind); }

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::http_500:
      return "http_500";
    case FaultKind::http_429:
      return "http_429";
    case FaultKind::reset_mid_stream:
      return "reset_mid_stream";
    case FaultKind::stall:
      return "stall";
    case FaultKind::malformed_chunk:
      return "malformed_chunk";
    case FaultKind::slow_headers:
      return "slow_headers";
  }
  return "unknown";
}

FaultSpec parse_fault_spec(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw fault_error(fmt::format("expected KIND:PROB like http_500:0.05, got '{}'", text));
  }
  const std::string_view name = text.substr(0, colon);
  const std::string_view number = text.substr(colon + 1);
  const std::optional<FaultKind> kind = kind_named(name);
  if (!kind) throw fault_error(fmt::format("unknown fault kind '{}' in '{}'", name, text));

  double probability = 0.0;
  const char* end = number.data() + number.size();
  const auto [parsed_end, error] = std::from_chars(number.data(), end, probability);
  if (number.empty() || error != std::errc{} || parsed_end != end || !std::isfinite(probability) ||
      probability < 0.0 || probability > 1.0) {
    throw fault_error(
        fmt::format("probability must be a number from 0 to 1, got '{}' in '{}'", number, text));
  }
  return {*kind, probability};
}

FaultPlan::FaultPlan(std::vector<FaultSpec> specs, std::uint64_t seed) : seed_(seed) {
  std::array<bool, kFaultKinds.size()> seen{};
  double sum = 0.0;
  for (const FaultSpec& spec : specs) {
    const std::size_t index = index_of(spec.kind);
    if (index >= seen.size()) throw fault_error("unknown fault kind");
    if (seen[index]) throw fault_error(fmt::format("{} is given twice", to_string(spec.kind)));
    seen[index] = true;
    if (!(spec.probability >= 0.0 && spec.probability <= 1.0)) {
      throw fault_error(fmt::format("probability of {} must be from 0 to 1, got {}",
                                    to_string(spec.kind), spec.probability));
    }
    sum += spec.probability;
  }
  if (sum > 1.0 + kSumTolerance) {
    throw fault_error(fmt::format("the probabilities add up to {}, more than 1", sum));
  }
  std::sort(specs.begin(), specs.end(), [](const FaultSpec& a, const FaultSpec& b) {
    return index_of(a.kind) < index_of(b.kind);
  });
  specs_ = std::move(specs);
}

std::optional<FaultKind> FaultPlan::draw(std::uint64_t request_number) const {
  if (specs_.empty()) return std::nullopt;
  const std::uint64_t bits = splitmix64(splitmix64(seed_ ^ kFaultStream) ^ request_number);
  const double u = unit_interval(bits);
  double cumulative = 0.0;
  for (const FaultSpec& spec : specs_) {
    cumulative += spec.probability;
    if (u < cumulative) return spec.kind;
  }
  return std::nullopt;
}

bool FaultPlan::empty() const {
  return std::none_of(specs_.begin(), specs_.end(),
                      [](const FaultSpec& spec) { return spec.probability > 0.0; });
}

}  // namespace llmpace::sim
