#include "llmpace/prom/grouping.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "llmpace/core/error.hpp"
#include "llmpace/core/prometheus_label.hpp"

namespace llmpace::prom {
namespace {

bool is_plain(std::string_view value) {
  if (value.empty()) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
  });
}

std::string path_pair(std::string_view name, std::string_view value) {
  if (is_plain(value)) return fmt::format("/{}/{}", name, value);
  return fmt::format("/{}@base64/{}", name, value.empty() ? "=" : base64url(value));
}

}  // namespace

Grouping adhoc_grouping(std::string_view model, std::string_view scenario_path) {
  Grouping grouping{.suite = std::string(kAdhoc), .variant = std::string(model), .scenario = {}};
  const std::string stem = std::filesystem::path(scenario_path).stem().string();
  grouping.scenario = stem.empty() ? std::string(kAdhoc) : stem;
  return grouping;
}

std::string grouping_path(const Grouping& grouping) {
  return fmt::format("/metrics{}{}{}{}", path_pair("job", kJob), path_pair("suite", grouping.suite),
                     path_pair("variant", grouping.variant),
                     path_pair("scenario", grouping.scenario));
}

void check_info_labels(const std::map<std::string, std::string>& labels) {
  for (const auto& [name, value] : labels) {
    if (!is_label_name(name)) {
      throw ConfigError(fmt::format(
          "label '{}': not a Prometheus label name (letters, digits and '_', not starting with a "
          "digit or '__')",
          name));
    }
    if (is_reserved_label(name)) {
      throw ConfigError(fmt::format(
          "label '{}': the pushed series use this label already (docs/prometheus.md)", name));
    }
  }
}

std::string base64url(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((text.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= text.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(text[i]) << 16) |
                   (static_cast<unsigned char>(text[i + 1]) << 8) |
                   static_cast<unsigned char>(text[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = text.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(text[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(text[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

}  // namespace llmpace::prom
