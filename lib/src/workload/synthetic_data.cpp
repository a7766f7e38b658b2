#include "llmpace/workload/synthetic_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "llmpace/core/error.hpp"
#include "llmpace/core/random.hpp"

namespace llmpace::workload {
namespace {

constexpr std::int64_t kMaxTokens = 10'000'000;
constexpr std::int64_t kMaxTurns = 1000;
constexpr std::string_view kKeys =
    "prompt_tokens, prompt_tokens_stdev, prompt_tokens_min, prompt_tokens_max, output_tokens, "
    "output_tokens_stdev, output_tokens_min, output_tokens_max, prefix_tokens, prefix_count, turns";

std::int64_t parse_count(std::string_view key, std::string_view value, std::int64_t lowest) {
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc{} || end != value.data() + value.size() || number < lowest ||
      number > kMaxTokens) {
    throw ConfigError(fmt::format("--data: {} must be a whole number from {} to {}, got '{}'", key,
                                  lowest, kMaxTokens, value));
  }
  return number;
}

// Sets the field of `spec` that `key` names; false when no field has that name.
bool set_field(SyntheticDataSpec& spec, std::string_view key, std::string_view value) {
  for (auto [name, length] : {std::pair{std::string_view{"prompt_tokens"}, &spec.prompt},
                              std::pair{std::string_view{"output_tokens"}, &spec.output}}) {
    if (!key.starts_with(name)) continue;
    const std::string_view suffix = key.substr(name.size());
    if (suffix.empty()) {
      length->mean = parse_count(key, value, 1);
    } else if (suffix == "_stdev") {
      length->stdev = parse_count(key, value, 0);
    } else if (suffix == "_min") {
      length->min = parse_count(key, value, 1);
    } else if (suffix == "_max") {
      length->max = parse_count(key, value, 1);
    } else {
      return false;
    }
    return true;
  }
  if (key == "prefix_tokens") {
    spec.prefix_tokens = parse_count(key, value, 0);
  } else if (key == "prefix_count") {
    spec.prefix_count = parse_count(key, value, 1);
  } else if (key == "turns") {
    spec.turns = parse_count(key, value, 1);
    if (spec.turns > kMaxTurns) {
      throw ConfigError(fmt::format("--data: turns must be at most {}, got {}", kMaxTurns, value));
    }
  } else {
    return false;
  }
  return true;
}

void check_range(const LengthSpec& length, std::string_view name) {
  if (length.lowest() > length.highest()) {
    throw ConfigError(fmt::format("--data: {}_min ({}) is above {}_max ({})", name, length.lowest(),
                                  name, length.highest()));
  }
  if (length.stdev > 0 && (length.mean < length.lowest() || length.mean > length.highest())) {
    throw ConfigError(fmt::format("--data: {}={} is outside [{}_min, {}_max] = [{}, {}]", name,
                                  length.mean, name, name, length.lowest(), length.highest()));
  }
}

}  // namespace

std::int64_t LengthSpec::lowest() const {
  if (min) return *min;
  return stdev > 0 ? std::max<std::int64_t>(1, mean - 5 * stdev) : mean;
}

std::int64_t LengthSpec::highest() const {
  if (max) return *max;
  return stdev > 0 ? mean + 5 * stdev : mean;
}

std::int64_t LengthSpec::sample(std::uint64_t bits_a, std::uint64_t bits_b) const {
  const std::int64_t low = lowest();
  const std::int64_t high = highest();
  if (low >= high) return low;
  if (stdev == 0) {  // uniform on [low, high]
    const auto span = static_cast<std::uint64_t>(high - low) + 1;
    return low + static_cast<std::int64_t>(bits_a % span);
  }
  // core/random.hpp's Box-Muller, not std::normal_distribution, so every standard library draws
  // the same lengths for a seed.
  const double normal = normal_from_bits(bits_a, bits_b);
  const double value = static_cast<double>(mean) + static_cast<double>(stdev) * normal;
  return std::clamp(std::llround(value), static_cast<long long>(low), static_cast<long long>(high));
}

SyntheticDataSpec parse_synthetic_data(std::string_view text) {
  SyntheticDataSpec spec;
  if (text.empty()) throw ConfigError("--data: empty (expected prompt_tokens=N,output_tokens=M)");
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      throw ConfigError(fmt::format(
          "--data: expected key=value pairs like prompt_tokens=128,output_tokens=64, got '{}'",
          item));
    }
    const std::string_view key = item.substr(0, equals);
    if (!set_field(spec, key, item.substr(equals + 1))) {
      throw ConfigError(fmt::format("--data: unknown key '{}' (supported: {})", key, kKeys));
    }
  }
  check_range(spec.prompt, "prompt_tokens");
  check_range(spec.output, "output_tokens");
  return spec;
}

}  // namespace llmpace::workload
