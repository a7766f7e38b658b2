#include "yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "llmpace/core/error.hpp"

namespace llmpace::scenario {
namespace {

std::string describe(const YAML::Node& value) {
  if (value.IsScalar()) return fmt::format("\"{}\"", value.Scalar());
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  return "nothing";
}

template <typename Number>
bool parse_whole(const std::string& text, Number& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

int YamlReader::line(const YAML::Node& node, const YAML::Node& fallback) const {
  if (node.IsDefined() && node.Mark().line >= 0) return node.Mark().line + 1;
  if (fallback.IsDefined() && fallback.Mark().line >= 0) return fallback.Mark().line + 1;
  return 0;
}

void YamlReader::fail(int line, std::string_view message) const {
  if (line <= 0) throw ConfigError(fmt::format("{}: {}", path_, message));
  throw ConfigError(fmt::format("{}:{}: {}", path_, line, message));
}

YAML::Node YamlReader::load(std::string_view text) const {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    fail(error.mark.line >= 0 ? error.mark.line + 1 : 0, error.msg);
  }
}

std::string YamlReader::scalar(const YAML::Node& value, std::string_view key,
                               const YAML::Node& at) const {
  if (!value.IsScalar()) {
    fail(line(value, at), fmt::format("{}: expected a single value, got {}", key, describe(value)));
  }
  return value.Scalar();
}

double YamlReader::number(const YAML::Node& value, std::string_view key,
                          const YAML::Node& at) const {
  const std::string text = scalar(value, key, at);
  double out = 0;
  if (!parse_whole(text, out) || !std::isfinite(out)) {
    fail(line(value, at), fmt::format("{}: expected a number, got \"{}\"", key, text));
  }
  return out;
}

std::int64_t YamlReader::integer(const YAML::Node& value, std::string_view key,
                                 const YAML::Node& at) const {
  const std::string text = scalar(value, key, at);
  std::int64_t out = 0;
  if (!parse_whole(text, out)) {
    fail(line(value, at), fmt::format("{}: expected a whole number, got \"{}\"", key, text));
  }
  return out;
}

std::uint64_t YamlReader::unsigned_integer(const YAML::Node& value, std::string_view key,
                                           const YAML::Node& at) const {
  const std::string text = scalar(value, key, at);
  std::uint64_t out = 0;
  if (!parse_whole(text, out)) {
    fail(line(value, at),
         fmt::format("{}: expected a whole number, 0 or more, got \"{}\"", key, text));
  }
  return out;
}

bool YamlReader::boolean(const YAML::Node& value, std::string_view key,
                         const YAML::Node& at) const {
  const std::string text = scalar(value, key, at);
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail(line(value, at), fmt::format("{}: expected true or false, got \"{}\"", key, text));
}

std::vector<std::string> YamlReader::list(const YAML::Node& value, std::string_view key,
                                          const YAML::Node& at) const {
  if (!value.IsSequence()) return {scalar(value, key, at)};
  std::vector<std::string> items;
  for (const YAML::Node& item : value) items.push_back(scalar(item, key, at));
  return items;
}

std::string YamlReader::joined(const YAML::Node& value, std::string_view key,
                               const YAML::Node& at) const {
  std::string text;
  auto append = [&text](std::string_view separator, const std::string& item) {
    if (!text.empty()) text += separator;
    text += item;
  };
  if (value.IsSequence()) {
    for (const YAML::Node& item : value) append(",", scalar(item, key, at));
  } else if (value.IsMap()) {
    for (const auto& entry : value) {
      append(",", entry.first.Scalar() + "=" + scalar(entry.second, key, entry.first));
    }
  } else {
    text = scalar(value, key, at);
  }
  return text;
}

std::vector<std::string> YamlReader::headers(const YAML::Node& value, std::string_view key,
                                             const YAML::Node& at) const {
  if (!value.IsMap()) return list(value, key, at);
  std::vector<std::string> items;
  for (const auto& entry : value) {
    items.push_back(entry.first.Scalar() + ": " + scalar(entry.second, key, entry.first));
  }
  return items;
}

void YamlReader::read_setting(RunSettings& settings, const SettingField& field,
                              const YAML::Node& value, const YAML::Node& at) const {
  const std::string_view key = field.key;
  std::visit(
      [&](auto member) {
        using Value = typename std::remove_reference_t<decltype(settings.*member)>::value_type;
        if constexpr (std::is_same_v<Value, std::string>) {
          const bool structured = key == "rate" || key == "data" || key == "slo";
          settings.*member = structured ? joined(value, key, at) : scalar(value, key, at);
        } else if constexpr (std::is_same_v<Value, double>) {
          settings.*member = number(value, key, at);
        } else if constexpr (std::is_same_v<Value, std::int64_t>) {
          settings.*member = integer(value, key, at);
        } else if constexpr (std::is_same_v<Value, std::uint64_t>) {
          settings.*member = unsigned_integer(value, key, at);
        } else if constexpr (std::is_same_v<Value, bool>) {
          settings.*member = boolean(value, key, at);
        } else {
          settings.*member = key == "header" ? headers(value, key, at) : list(value, key, at);
        }
      },
      field.member);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view nearest_key(std::string_view key,
                             const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const std::string_view candidate : candidates) {
    // The lengths' difference is a lower bound of the distance: most candidates, and every one
    // for a long key, are passed over without the quadratic comparison.
    const std::size_t length_difference = key.size() > candidate.size()
                                              ? key.size() - candidate.size()
                                              : candidate.size() - key.size();
    if (length_difference >= best_distance) continue;
    const std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace llmpace::scenario
