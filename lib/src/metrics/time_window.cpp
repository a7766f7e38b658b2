#include "llmpace/metrics/time_window.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <system_error>

#include "llmpace/core/error.hpp"

namespace llmpace::metrics {
namespace {

ConfigError garbage(std::string_view text, std::string_view flag) {
  return ConfigError(
      fmt::format("{}: expected seconds like 30 or a percentage like 10%, got '{}'", flag, text));
}

Nanoseconds fraction_of(double fraction, Nanoseconds duration) {
  return Nanoseconds{std::llround(fraction * static_cast<double>(duration.count()))};
}

std::uint64_t fraction_of(double fraction, std::int64_t requests) {
  return static_cast<std::uint64_t>(std::llround(fraction * static_cast<double>(requests)));
}

ConfigError nothing_measured() {
  return ConfigError("--warmup and --cooldown leave nothing of the benchmark to measure");
}

}  // namespace

WarmupSpec parse_window_spec(std::string_view text, std::string_view flag) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string_view number = percent ? text.substr(0, text.size() - 1) : text;
  double value = 0.0;
  const char* end = number.data() + number.size();
  const auto [parsed_end, error] = std::from_chars(number.data(), end, value);
  if (number.empty() || error != std::errc{} || parsed_end != end || !std::isfinite(value)) {
    throw garbage(text, flag);
  }
  if (value < 0.0) throw ConfigError(fmt::format("{}: must not be negative, got '{}'", flag, text));
  if (percent && value > 100.0) {
    throw ConfigError(fmt::format("{}: a percentage must be at most 100%, got '{}'", flag, text));
  }
  if (value == 0.0) return {};
  if (percent) return {WarmupSpec::Kind::fraction, value / 100.0};
  return {WarmupSpec::Kind::seconds, value};
}

TimeWindow TimeWindow::resolve(WarmupSpec warmup, CooldownSpec cooldown, BenchmarkBounds bounds) {
  TimeWindow window;
  switch (warmup.kind) {
    case WarmupSpec::Kind::none:
      break;
    case WarmupSpec::Kind::seconds:
      window.warmup_end_offset_ = from_seconds(warmup.value);
      break;
    case WarmupSpec::Kind::fraction:
      if (bounds.max_duration) {
        window.warmup_end_offset_ = fraction_of(warmup.value, *bounds.max_duration);
      } else if (bounds.max_requests) {
        window.warmup_end_index_ = fraction_of(warmup.value, *bounds.max_requests);
      } else {
        throw ConfigError("--warmup: a percentage needs --max-seconds or --max-requests");
      }
      break;
  }
  switch (cooldown.kind) {
    case CooldownSpec::Kind::none:
      break;
    case CooldownSpec::Kind::seconds:
      // The end of a benchmark bounded only by requests is unknown when requests start.
      if (!bounds.max_duration) {
        throw ConfigError(
            "--cooldown: seconds need --max-seconds; with only --max-requests give a percentage");
      }
      window.cooldown_start_offset_ = *bounds.max_duration - from_seconds(cooldown.value);
      break;
    case CooldownSpec::Kind::fraction:
      if (bounds.max_duration) {
        window.cooldown_start_offset_ =
            *bounds.max_duration - fraction_of(cooldown.value, *bounds.max_duration);
      } else if (bounds.max_requests) {
        const std::uint64_t excluded = fraction_of(cooldown.value, *bounds.max_requests);
        const auto requests = static_cast<std::uint64_t>(*bounds.max_requests);
        window.cooldown_start_index_ = excluded < requests ? requests - excluded : 0;
      } else {
        throw ConfigError("--cooldown: a percentage needs --max-seconds or --max-requests");
      }
      break;
  }

  // Edges in the same unit must leave a gap between them and inside the benchmark's limits.
  const Nanoseconds time_begin = window.warmup_end_offset_.value_or(Nanoseconds::zero());
  const std::optional<Nanoseconds> time_end =
      window.cooldown_start_offset_ ? window.cooldown_start_offset_ : bounds.max_duration;
  const bool has_time_edge = window.warmup_end_offset_ || window.cooldown_start_offset_;
  if (has_time_edge && time_end && time_begin >= *time_end) throw nothing_measured();
  const std::uint64_t index_begin = window.warmup_end_index_.value_or(0);
  std::optional<std::uint64_t> index_end = window.cooldown_start_index_;
  if (!index_end && bounds.max_requests) {
    index_end = static_cast<std::uint64_t>(*bounds.max_requests);
  }
  const bool has_index_edge = window.warmup_end_index_ || window.cooldown_start_index_;
  if (has_index_edge && index_end && index_begin >= *index_end) throw nothing_measured();
  return window;
}

WindowPhase TimeWindow::phase_of(Nanoseconds start_offset, std::uint64_t index) const {
  if (warmup_end_offset_ && start_offset < *warmup_end_offset_) return WindowPhase::warmup;
  if (warmup_end_index_ && index < *warmup_end_index_) return WindowPhase::warmup;
  if (cooldown_start_offset_ && start_offset >= *cooldown_start_offset_) {
    return WindowPhase::cooldown;
  }
  if (cooldown_start_index_ && index >= *cooldown_start_index_) return WindowPhase::cooldown;
  return WindowPhase::measured;
}

}  // namespace llmpace::metrics
