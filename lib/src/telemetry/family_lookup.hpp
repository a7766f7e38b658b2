// Which declared family a sample belongs to (private to lib/src/telemetry): its own name, or its
// name without a suffix its family's type uses (`_bucket` of a histogram, `_total` of a
// counter...). Shared by the parser (family rules while reading) and Exposition::family_of.
//
// Pure; safe from any thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry::detail {

/// The suffixes a family's samples add to its name, and the family types that use each.
struct FamilySuffix {
  std::string_view suffix;
  std::array<MetricType, 3> types;
  std::size_t type_count;
};
constexpr std::array<FamilySuffix, 8> kFamilySuffixes{{
    {"_bucket", {MetricType::histogram, MetricType::gaugehistogram}, 2},
    {"_sum", {MetricType::histogram, MetricType::summary}, 2},
    {"_count", {MetricType::histogram, MetricType::summary}, 2},
    {"_total", {MetricType::counter}, 1},
    {"_created", {MetricType::counter, MetricType::histogram, MetricType::summary}, 3},
    {"_gsum", {MetricType::gaugehistogram}, 1},
    {"_gcount", {MetricType::gaugehistogram}, 1},
    {"_info", {MetricType::info}, 1},
}};

/// The family a sample called `name` belongs to, found with `find(name) -> const Family*`: its own
/// name first, then its name without a suffix its family's type uses.
template <typename Find>
const Family* family_for(std::string_view name, const Find& find) {
  if (const Family* own = find(name)) return own;
  for (const FamilySuffix& suffix : kFamilySuffixes) {
    if (name.size() <= suffix.suffix.size() || !name.ends_with(suffix.suffix)) continue;
    const Family* base = find(name.substr(0, name.size() - suffix.suffix.size()));
    if (base == nullptr) continue;
    const auto types = std::span(suffix.types.data(), suffix.type_count);
    if (std::find(types.begin(), types.end(), base->type) != types.end()) return base;
  }
  return nullptr;
}

}  // namespace llmpace::telemetry::detail
