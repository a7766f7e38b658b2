// See prometheus_label.hpp.
#include "llmpace/core/prometheus_label.hpp"

#include <algorithm>
#include <array>

namespace llmpace {
namespace {

constexpr std::array<std::string_view, 16> kReservedLabels{"job",
                                                           "instance",
                                                           "exported_job",
                                                           "exported_instance",
                                                           "suite",
                                                           "variant",
                                                           "scenario",
                                                           "model",
                                                           "llmpace_version",
                                                           "benchmark",
                                                           "profile",
                                                           "quantile",
                                                           "outcome",
                                                           "kind",
                                                           "wall",
                                                           "le"};

}  // namespace

bool is_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

bool is_reserved_label(std::string_view name) {
  return std::find(kReservedLabels.begin(), kReservedLabels.end(), name) != kReservedLabels.end();
}

}  // namespace llmpace
