#include "llmpace/profile/profile_plan.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::profile {
namespace {

constexpr int kMaxStreams = 100000;
constexpr double kMaxRatePerS = 1e6;

/// "1,2.5,4" -> {1, 2.5, 4}; every value a finite positive number.
std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (item.starts_with(' ')) item.remove_prefix(1);
    double value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || error != std::errc{} || end != item.data() + item.size() ||
        !std::isfinite(value) || value <= 0) {
      throw SettingError(
          "rate", fmt::format("expected positive numbers separated by commas, got '{}'", text));
    }
    rates.push_back(value);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return rates;
}

int whole_number(double value, int low, int high, std::string_view what) {
  if (value < low || value > high || value != std::floor(value)) {
    throw SettingError("rate", fmt::format("{} must be a whole number from {} to {}, got {}", what,
                                           low, high, value));
  }
  return static_cast<int>(value);
}

std::string join(const std::vector<double>& values) {
  std::string text;
  for (double value : values) text += fmt::format("{}{:g}", text.empty() ? "" : ", ", value);
  return text;
}

void check_settings_apply(const ProfileSettings& settings, ProfileKind kind, bool sweep) {
  const bool open_loop = sweep || is_open_loop(kind);
  if (settings.max_concurrency && !open_loop) {
    throw SettingError("max_concurrency",
                       "applies to {profile} throughput, constant, poisson and sweep");
  }
  const bool poisson =
      kind == ProfileKind::poisson || (sweep && settings.sweep_strategy == "poisson");
  if (settings.burstiness != 1.0 && !poisson) {
    throw SettingError("burstiness",
                       "applies to {profile} poisson (and sweep with {sweep_strategy} poisson)");
  }
  if (settings.rampup_s != 0 && kind != ProfileKind::constant && kind != ProfileKind::poisson) {
    throw SettingError("rampup", "applies to {profile} constant and poisson");
  }
  if (!std::isfinite(settings.burstiness) || settings.burstiness <= 0) {
    throw SettingError("burstiness", "must be a positive number (1 = Poisson)");
  }
  if (!std::isfinite(settings.rampup_s) || settings.rampup_s < 0) {
    throw SettingError("rampup", "must be a number of seconds, 0 or more");
  }
  if (settings.max_concurrency &&
      (*settings.max_concurrency < 1 || *settings.max_concurrency > kMaxStreams)) {
    throw SettingError("max_concurrency", fmt::format("must be from 1 to {}", kMaxStreams));
  }
  const auto when_full = parse_when_full(settings.when_full);
  if (!when_full) {
    throw SettingError("when_full",
                       fmt::format("expected queue or drop, got '{}'", settings.when_full));
  }
  if (*when_full == WhenFull::drop) {
    const bool paced = sweep || kind == ProfileKind::constant || kind == ProfileKind::poisson;
    if (!paced || !settings.max_concurrency) {
      throw SettingError("when_full",
                         "drop applies to {profile} constant, poisson and sweep with "
                         "{max_concurrency}");
    }
  }
  if (settings.max_errors && *settings.max_errors < 1) {
    throw SettingError("max_errors", "must be at least 1");
  }
  if (settings.max_error_rate && !(*settings.max_error_rate > 0 && *settings.max_error_rate <= 1)) {
    throw SettingError("max_error_rate", "must be a fraction above 0 and at most 1, like 0.05");
  }
  if (settings.drain && !settings.max_seconds && !sweep) {
    throw SettingError("drain", "applies when {max_seconds} ends a benchmark");
  }
}

/// The part of the limits line about errors, draining and the warmup/cooldown window.
std::string describe_run_control(const ProfileSettings& settings) {
  std::string text;
  if (settings.max_errors) text += fmt::format(", stop at {} errors", *settings.max_errors);
  if (settings.max_error_rate) {
    text += fmt::format(", stop above {:g}% errors", *settings.max_error_rate * 100);
  }
  auto window_edge = [](const std::string& value) {
    return value.ends_with('%') ? value : value + " s";
  };
  if (!settings.warmup.empty()) text += ", warmup " + window_edge(settings.warmup);
  if (!settings.cooldown.empty()) text += ", cooldown " + window_edge(settings.cooldown);
  if (settings.drain) text += ", drained";
  return text;
}

metrics::TimeWindow resolve_window(const ProfileSettings& settings, const ProfileSpec& base) {
  auto edge = [](const std::string& text, const char* key) {
    return about_setting(key, [&] {
      return text.empty() ? metrics::WarmupSpec{}
                          : metrics::parse_window_spec(text, flag_name(key));
    });
  };
  const metrics::WarmupSpec warmup = edge(settings.warmup, "warmup");
  const metrics::CooldownSpec cooldown = edge(settings.cooldown, "cooldown");
  return about_setting(settings.warmup.empty() ? "cooldown" : "warmup", [&] {
    return metrics::TimeWindow::resolve(
        warmup, cooldown, {.max_duration = base.max_duration, .max_requests = base.max_requests});
  });
}

}  // namespace

std::size_t ProfilePlan::benchmark_count() const {
  return sweep ? static_cast<std::size_t>(sweep->benchmark_count) : benchmarks.size();
}

ProfilePlan resolve_profile_plan(const ProfileSettings& settings) {
  const bool sweep = settings.profile == "sweep";
  const auto kind =
      sweep ? std::optional(ProfileKind::synchronous) : parse_profile_kind(settings.profile);
  if (!kind) {
    throw SettingError("profile",
                       fmt::format("unknown profile '{}' (synchronous, concurrent, throughput, "
                                   "constant, poisson, sweep, replay)",
                                   settings.profile));
  }
  check_settings_apply(settings, *kind, sweep);

  ProfileSpec base;
  base.seed = settings.seed;
  base.burstiness = settings.burstiness;
  base.rampup = from_seconds(settings.rampup_s);
  if (settings.max_concurrency) base.max_concurrency = static_cast<int>(*settings.max_concurrency);
  base.when_full = *parse_when_full(settings.when_full);
  base.max_errors = settings.max_errors;
  base.max_error_rate = settings.max_error_rate;
  base.drain = settings.drain;
  if (settings.max_requests) {
    if (*settings.max_requests < 1) throw SettingError("max_requests", "must be at least 1");
    base.max_requests = *settings.max_requests;
  }
  if (*kind == ProfileKind::replay) {
    if (!settings.replay_offsets || settings.replay_offsets->empty()) {
      throw SettingError("profile", "replay needs {data} FILE with a timestamp per row");
    }
    // A trace ends with its last row, unless max_requests stops it earlier.
    const auto rows = static_cast<std::int64_t>(settings.replay_offsets->size());
    base.max_requests = std::min(base.max_requests.value_or(rows), rows);
    base.replay_offsets = settings.replay_offsets;
  }
  std::optional<double> max_seconds = settings.max_seconds;
  if (sweep && !max_seconds && !settings.max_requests) max_seconds = kDefaultSweepStageSeconds;
  if (max_seconds) {
    // Checked before the conversion to nanoseconds, which NaN or huge values would overflow.
    if (!std::isfinite(*max_seconds) || *max_seconds <= 0 || *max_seconds > 1e9) {
      throw SettingError("max_seconds", "must be a positive number of seconds");
    }
    base.max_duration = from_seconds(*max_seconds);
  }
  if (!base.max_requests && !base.max_duration) {
    throw SettingError("", "set {max_requests} or {max_seconds} (or both) to bound each benchmark");
  }
  // Every benchmark of the run has the same limits, so one window fits them all.
  base.window = resolve_window(settings, base);

  ProfilePlan plan;
  plan.limits_description =
      (base.max_requests && base.max_duration
           ? fmt::format("{} requests or {:g} s", *base.max_requests, *max_seconds)
           : (base.max_requests ? fmt::format("{} requests", *base.max_requests)
                                : fmt::format("{:g} s", *max_seconds))) +
      describe_run_control(settings);

  const std::vector<double> rates =
      settings.rate.empty() ? std::vector<double>{} : parse_rates(settings.rate);
  auto add = [&](ProfileKind benchmark_kind) -> ProfileSpec& {
    ProfileSpec& spec = plan.benchmarks.emplace_back(base);
    spec.kind = benchmark_kind;
    return spec;
  };

  if (sweep) {
    SweepPlan sweep_plan;
    if (rates.size() > 1) throw SettingError("rate", "sweep takes one number, of benchmarks");
    if (!rates.empty()) sweep_plan.benchmark_count = whole_number(rates[0], 2, 100, "sweep");
    if (settings.sweep_strategy == "constant") {
      sweep_plan.strategy = ProfileKind::constant;
    } else if (settings.sweep_strategy == "poisson") {
      sweep_plan.strategy = ProfileKind::poisson;
    } else {
      throw SettingError("sweep_strategy", fmt::format("expected constant or poisson, got '{}'",
                                                       settings.sweep_strategy));
    }
    add(ProfileKind::synchronous);
    add(ProfileKind::throughput);
    plan.sweep = sweep_plan;
    plan.description = fmt::format("sweep of {} benchmarks ({})", sweep_plan.benchmark_count,
                                   to_string(sweep_plan.strategy));
    return plan;
  }

  switch (*kind) {
    case ProfileKind::synchronous:
    case ProfileKind::throughput:
      if (!rates.empty()) {
        throw SettingError(
            "rate",
            fmt::format("does not apply to {{profile}} {}{}", settings.profile,
                        *kind == ProfileKind::throughput ? " (use {max_concurrency})" : ""));
      }
      add(*kind);
      plan.description = std::string(to_string(*kind));
      break;
    case ProfileKind::concurrent:
      if (rates.empty()) {
        throw SettingError("rate",
                           "{profile} concurrent needs a number of parallel streams (1,4,16 runs "
                           "3 benchmarks)");
      }
      for (double rate : rates) add(*kind).streams = whole_number(rate, 1, kMaxStreams, "streams");
      plan.description = fmt::format("concurrent with {} streams", join(rates));
      break;
    case ProfileKind::constant:
    case ProfileKind::poisson:
      if (rates.empty()) {
        throw SettingError(
            "rate", fmt::format("{{profile}} {} needs requests per second", settings.profile));
      }
      for (double rate : rates) {
        if (rate > kMaxRatePerS) {
          throw SettingError("rate", fmt::format("at most {:g} requests per second", kMaxRatePerS));
        }
        add(*kind).rate_per_s = rate;
      }
      plan.description = fmt::format("{} at {} req/s", settings.profile, join(rates));
      break;
    case ProfileKind::replay:
      if (!rates.empty()) throw SettingError("rate", "does not apply to {profile} replay");
      add(*kind);
      plan.description =
          fmt::format("replay of {} timed rows over {:.4g} s", settings.replay_offsets->size(),
                      to_seconds(settings.replay_offsets->back()));
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

std::string describe(const ProfileSpec& spec) {
  switch (spec.kind) {
    case ProfileKind::synchronous:
      return "synchronous";
    case ProfileKind::concurrent:
      return fmt::format("concurrent ({} streams)", spec.streams);
    case ProfileKind::throughput:
      return fmt::format("throughput (up to {} in flight)", spec.concurrency_cap().value_or(0));
    case ProfileKind::constant:
    case ProfileKind::poisson:
      return fmt::format("{} {:.4g} req/s", to_string(spec.kind), spec.rate_per_s);
    case ProfileKind::replay:
      return fmt::format("replay of {} timed requests",
                         spec.replay_offsets ? spec.replay_offsets->size() : 0);
  }
  return "";
}

}  // namespace llmpace::profile
