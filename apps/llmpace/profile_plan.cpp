#include "profile_plan.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "llmpace/core/error.hpp"

namespace llmpace::app {
namespace {

using profile::ProfileKind;
using profile::ProfileSpec;

constexpr int kMaxStreams = 100000;
constexpr double kMaxRatePerS = 1e6;

/// "1,2.5,4" -> {1, 2.5, 4}; every value a finite positive number.
std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    double value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc{} || end != item.data() + item.size() ||
        !std::isfinite(value) || value <= 0) {
      throw ConfigError(
          fmt::format("--rate: expected positive numbers separated by commas, got '{}'", text));
    }
    rates.push_back(value);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return rates;
}

int whole_number(double value, int low, int high, std::string_view what) {
  if (value < low || value > high || value != std::floor(value)) {
    throw ConfigError(fmt::format("--rate: {} must be a whole number from {} to {}, got {}", what,
                                  low, high, value));
  }
  return static_cast<int>(value);
}

std::string join(const std::vector<double>& values) {
  std::string text;
  for (double value : values) text += fmt::format("{}{:g}", text.empty() ? "" : ", ", value);
  return text;
}

void check_flags_apply(const ProfileFlags& flags, ProfileKind kind, bool sweep) {
  const bool open_loop = sweep || profile::is_open_loop(kind);
  if (flags.max_concurrency && !open_loop) {
    throw ConfigError("--max-concurrency applies to throughput, constant, poisson and sweep");
  }
  const bool poisson = kind == ProfileKind::poisson || (sweep && flags.sweep_strategy == "poisson");
  if (flags.burstiness != 1.0 && !poisson) {
    throw ConfigError("--burstiness applies to poisson (and sweep --sweep-strategy poisson)");
  }
  if (flags.rampup_s != 0 && kind != ProfileKind::constant && kind != ProfileKind::poisson) {
    throw ConfigError("--rampup applies to constant and poisson");
  }
  if (!std::isfinite(flags.burstiness) || flags.burstiness <= 0) {
    throw ConfigError("--burstiness must be a positive number (1 = Poisson)");
  }
  if (!std::isfinite(flags.rampup_s) || flags.rampup_s < 0) {
    throw ConfigError("--rampup must be a number of seconds, 0 or more");
  }
  if (flags.max_concurrency && *flags.max_concurrency < 1) {
    throw ConfigError("--max-concurrency must be at least 1");
  }
  const auto when_full = profile::parse_when_full(flags.when_full);
  if (!when_full) {
    throw ConfigError(
        fmt::format("--when-full: expected queue or drop, got '{}'", flags.when_full));
  }
  if (*when_full == profile::WhenFull::drop) {
    const bool paced = sweep || kind == ProfileKind::constant || kind == ProfileKind::poisson;
    if (!paced || !flags.max_concurrency) {
      throw ConfigError(
          "--when-full drop applies to constant, poisson and sweep with --max-concurrency");
    }
  }
  if (flags.max_errors && *flags.max_errors < 1) {
    throw ConfigError("--max-errors must be at least 1");
  }
  if (flags.max_error_rate && !(*flags.max_error_rate > 0 && *flags.max_error_rate <= 1)) {
    throw ConfigError("--max-error-rate must be a fraction above 0 and at most 1, like 0.05");
  }
  if (flags.drain && !flags.max_seconds && !sweep) {
    throw ConfigError("--drain applies when --max-seconds ends a benchmark");
  }
}

/// The part of the limits line about errors, draining and the warmup/cooldown window.
std::string describe_run_control(const ProfileFlags& flags) {
  std::string text;
  if (flags.max_errors) text += fmt::format(", stop at {} errors", *flags.max_errors);
  if (flags.max_error_rate) {
    text += fmt::format(", stop above {:g}% errors", *flags.max_error_rate * 100);
  }
  auto window_edge = [](const std::string& value) {
    return value.ends_with('%') ? value : value + " s";
  };
  if (!flags.warmup.empty()) text += ", warmup " + window_edge(flags.warmup);
  if (!flags.cooldown.empty()) text += ", cooldown " + window_edge(flags.cooldown);
  if (flags.drain) text += ", drained";
  return text;
}

}  // namespace

ProfilePlan resolve_profile_plan(const ProfileFlags& flags) {
  const bool sweep = flags.profile == "sweep";
  const auto kind =
      sweep ? std::optional(ProfileKind::synchronous) : profile::parse_profile_kind(flags.profile);
  if (!kind) {
    throw ConfigError(fmt::format(
        "--profile: unknown profile '{}' (synchronous, concurrent, throughput, constant, poisson, "
        "sweep, replay)",
        flags.profile));
  }
  check_flags_apply(flags, *kind, sweep);

  ProfileSpec base;
  base.seed = flags.seed;
  base.burstiness = flags.burstiness;
  base.rampup = from_seconds(flags.rampup_s);
  base.max_concurrency = flags.max_concurrency;
  base.when_full = *profile::parse_when_full(flags.when_full);
  base.max_errors = flags.max_errors;
  base.max_error_rate = flags.max_error_rate;
  base.drain = flags.drain;
  if (flags.max_requests) {
    if (*flags.max_requests < 1) throw ConfigError("--max-requests must be at least 1");
    base.max_requests = *flags.max_requests;
  }
  if (*kind == ProfileKind::replay) {
    if (!flags.replay_offsets || flags.replay_offsets->empty()) {
      throw ConfigError("--profile replay needs --data FILE with a timestamp per row");
    }
    // A trace ends with its last row, unless --max-requests stops it earlier.
    const auto rows = static_cast<std::int64_t>(flags.replay_offsets->size());
    base.max_requests = std::min(base.max_requests.value_or(rows), rows);
    base.replay_offsets = flags.replay_offsets;
  }
  std::optional<double> max_seconds = flags.max_seconds;
  if (sweep && !max_seconds && !flags.max_requests) max_seconds = kDefaultSweepStageSeconds;
  if (max_seconds) {
    if (!std::isfinite(*max_seconds) || *max_seconds <= 0) {
      throw ConfigError("--max-seconds must be a positive number of seconds");
    }
    base.max_duration = from_seconds(*max_seconds);
  }
  if (!base.max_requests && !base.max_duration) {
    throw ConfigError("set --max-requests or --max-seconds (or both) to bound each benchmark");
  }
  // Every benchmark of the run has the same limits, so one window fits them all.
  const metrics::WarmupSpec warmup = flags.warmup.empty()
                                         ? metrics::WarmupSpec{}
                                         : metrics::parse_window_spec(flags.warmup, "--warmup");
  const metrics::CooldownSpec cooldown =
      flags.cooldown.empty() ? metrics::CooldownSpec{}
                             : metrics::parse_window_spec(flags.cooldown, "--cooldown");
  base.window = metrics::TimeWindow::resolve(
      warmup, cooldown, {.max_duration = base.max_duration, .max_requests = base.max_requests});

  ProfilePlan plan;
  plan.limits_description =
      (base.max_requests && base.max_duration
           ? fmt::format("{} requests or {:g} s", *base.max_requests, *max_seconds)
           : (base.max_requests ? fmt::format("{} requests", *base.max_requests)
                                : fmt::format("{:g} s", *max_seconds))) +
      describe_run_control(flags);

  const std::vector<double> rates =
      flags.rate.empty() ? std::vector<double>{} : parse_rates(flags.rate);
  auto add = [&](ProfileKind benchmark_kind) -> ProfileSpec& {
    ProfileSpec& spec = plan.benchmarks.emplace_back(base);
    spec.kind = benchmark_kind;
    return spec;
  };

  if (sweep) {
    SweepPlan sweep_plan;
    if (rates.size() > 1) throw ConfigError("--rate: sweep takes one number, of benchmarks");
    if (!rates.empty()) sweep_plan.benchmark_count = whole_number(rates[0], 2, 100, "sweep");
    if (flags.sweep_strategy == "constant") {
      sweep_plan.strategy = ProfileKind::constant;
    } else if (flags.sweep_strategy == "poisson") {
      sweep_plan.strategy = ProfileKind::poisson;
    } else {
      throw ConfigError(fmt::format("--sweep-strategy: expected constant or poisson, got '{}'",
                                    flags.sweep_strategy));
    }
    add(ProfileKind::synchronous);
    add(ProfileKind::throughput);
    plan.sweep = sweep_plan;
    plan.description = fmt::format("sweep of {} benchmarks ({})", sweep_plan.benchmark_count,
                                   profile::to_string(sweep_plan.strategy));
    return plan;
  }

  switch (*kind) {
    case ProfileKind::synchronous:
    case ProfileKind::throughput:
      if (!rates.empty()) {
        throw ConfigError(
            fmt::format("--rate does not apply to --profile {}{}", flags.profile,
                        *kind == ProfileKind::throughput ? " (use --max-concurrency)" : ""));
      }
      add(*kind);
      plan.description = std::string(profile::to_string(*kind));
      break;
    case ProfileKind::concurrent:
      if (rates.empty()) {
        throw ConfigError("--profile concurrent needs --rate N (parallel streams; 1,4,16 runs 3)");
      }
      for (double rate : rates) add(*kind).streams = whole_number(rate, 1, kMaxStreams, "streams");
      plan.description = fmt::format("concurrent with {} streams", join(rates));
      break;
    case ProfileKind::constant:
    case ProfileKind::poisson:
      if (rates.empty()) {
        throw ConfigError(
            fmt::format("--profile {} needs --rate R (requests per second)", flags.profile));
      }
      for (double rate : rates) {
        if (rate > kMaxRatePerS) {
          throw ConfigError(fmt::format("--rate: at most {:g} requests per second", kMaxRatePerS));
        }
        add(*kind).rate_per_s = rate;
      }
      plan.description = fmt::format("{} at {} req/s", flags.profile, join(rates));
      break;
    case ProfileKind::replay:
      if (!rates.empty()) throw ConfigError("--rate does not apply to --profile replay");
      add(*kind);
      plan.description =
          fmt::format("replay of {} timed rows over {:.4g} s", flags.replay_offsets->size(),
                      to_seconds(flags.replay_offsets->back()));
      break;
  }
  return plan;
}

ProfileSpec sweep_stage(const ProfilePlan& plan, double rate_per_s) {
  ProfileSpec spec = plan.benchmarks.front();
  spec.kind = plan.sweep->strategy;
  spec.rate_per_s = rate_per_s;
  return spec;
}

}  // namespace llmpace::app
