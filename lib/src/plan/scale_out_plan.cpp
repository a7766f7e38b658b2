#include "llmpace/plan/scale_out_plan.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::plan {
namespace {

using std::chrono::system_clock;

/// A whole decimal number spanning all of `text`, or nullopt.
std::optional<long long> whole_number(std::string_view text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

engine::Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  const auto index = whole_number(text.substr(0, slash));
  const auto count =
      slash == std::string_view::npos ? std::nullopt : whole_number(text.substr(slash + 1));
  if (!index || !count) {
    throw SettingError("shard", fmt::format("expected I/N (shard I of N, from 0), got '{}'", text));
  }
  if (*count < 1 || *count > kMaxShards || *index < 0 || *index >= *count) {
    throw SettingError(
        "shard", fmt::format("'{}': N must be from 1 to {} and I from 0 to N-1", text, kMaxShards));
  }
  return {static_cast<int>(*index), static_cast<int>(*count)};
}

engine::Shard shard_from_job(std::int64_t count, const Getenv& getenv) {
  if (count < 1 || count > kMaxShards) {
    throw SettingError("shards", fmt::format("must be from 1 to {}", kMaxShards));
  }
  const char* index_text = getenv("JOB_COMPLETION_INDEX");
  if (index_text == nullptr) {
    throw SettingError("shards",
                       "needs $JOB_COMPLETION_INDEX (set in the pods of a Kubernetes Indexed Job); "
                       "elsewhere give {shard} I/N");
  }
  const auto index = whole_number(index_text);
  if (!index || *index < 0 || *index >= count) {
    throw SettingError("shards", fmt::format("$JOB_COMPLETION_INDEX '{}' is not from 0 to {}",
                                             index_text, count - 1));
  }
  return {static_cast<int>(*index), static_cast<int>(count)};
}

/// "+30s", "+2m", "+1h", "+30" (seconds) from `now`.
std::optional<system_clock::time_point> parse_relative(std::string_view text,
                                                       system_clock::time_point now) {
  if (text.size() < 2 || text.front() != '+') return {};
  text.remove_prefix(1);
  double unit_s = 1;
  if (text.back() == 's' || text.back() == 'm' || text.back() == 'h') {
    unit_s = text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 1;
    text.remove_suffix(1);
  }
  double amount = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (error != std::errc{} || end != text.data() + text.size() || !(amount >= 0) ||
      amount * unit_s > 86400) {
    return {};
  }
  return now + std::chrono::duration_cast<system_clock::duration>(
                   std::chrono::duration<double>(amount * unit_s));
}

/// Checks that every benchmark can give each shard a share of its work.
void check_shareable(const profile::ProfilePlan& profiles, const engine::Shard& shard) {
  if (!shard.sharded()) return;
  if (profiles.sweep) {
    throw SettingError("profile",
                       "a sweep cannot be sharded: its rates come from its first stages; give "
                       "the rates to every shard ({profile} constant {rate} R1,R2,...)");
  }
  for (const profile::ProfileSpec& spec : profiles.benchmarks) {
    if (spec.kind == profile::ProfileKind::synchronous) {
      throw SettingError("profile",
                         "synchronous sends one request at a time: it cannot be "
                         "sharded (use concurrent)");
    }
    if (spec.kind == profile::ProfileKind::concurrent && spec.streams < shard.count) {
      throw SettingError("rate", fmt::format("{} streams cannot be shared by {} shards",
                                             spec.streams, shard.count));
    }
    if (const auto cap = spec.concurrency_cap(); cap && *cap < shard.count) {
      throw SettingError("max_concurrency",
                         fmt::format("{} cannot be shared by {} shards", *cap, shard.count));
    }
    if (spec.max_requests && *spec.max_requests < shard.count) {
      throw SettingError("max_requests", fmt::format("{} cannot be shared by {} shards",
                                                     *spec.max_requests, shard.count));
    }
  }
}

}  // namespace

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return {};
  }
  const auto field = [&](std::size_t at, std::size_t length) {
    return whole_number(text.substr(at, length));
  };
  const auto year = field(0, 4), month = field(5, 2), day = field(8, 2);
  const auto hour = field(11, 2), minute = field(14, 2), second = field(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return {};
  }
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return {};
  std::size_t at = 19;
  double fraction_s = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t end = at + 1;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == at + 1) return {};
    std::from_chars(text.data() + at, text.data() + end, fraction_s);  // ".25": digits only
    at = end;
  }
  std::chrono::minutes offset{0};
  const std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto hours = whole_number(zone.substr(1, 2)), minutes = whole_number(zone.substr(4, 2));
    if (!hours || !minutes || *hours > 23 || *minutes > 59) return {};
    offset = std::chrono::minutes{*hours * 60 + *minutes};
    if (zone[0] == '-') offset = -offset;
  } else {
    return {};
  }
  const auto local = std::chrono::sys_days{date} + std::chrono::hours{*hour} +
                     std::chrono::minutes{*minute} + std::chrono::seconds{*second};
  return std::chrono::time_point_cast<system_clock::duration>(local - offset) +
         std::chrono::duration_cast<system_clock::duration>(
             std::chrono::duration<double>(fraction_s));
}

std::string format_rfc3339_ms(system_clock::time_point instant) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(instant);
  const std::time_t seconds = system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(ms));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     (ms.time_since_epoch().count() % 1000 + 1000) % 1000);
}

ScaleOutPlan resolve_scale_out(const scenario::RunSettings& settings,
                               const profile::ProfilePlan& profiles, system_clock::time_point now,
                               const Getenv& getenv) {
  ScaleOutPlan plan;
  if (settings.shard && settings.shards) {
    throw SettingError("shards", "give either {shard} I/N or {shards} N, not both");
  }
  if (settings.shard) plan.shard = parse_shard(*settings.shard);
  if (settings.shards) plan.shard = shard_from_job(*settings.shards, getenv);
  check_shareable(profiles, plan.shard);
  plan.run_id = settings.run_id.value_or("");
  if (plan.run_id.size() > 200 || plan.run_id.find_first_of("\r\n") != std::string::npos) {
    throw SettingError("run_id", "must be one line of at most 200 characters");
  }
  if (settings.start_at) {
    plan.start_at_text = *settings.start_at;
    plan.start_at = parse_relative(*settings.start_at, now);
    if (!plan.start_at) plan.start_at = parse_rfc3339(*settings.start_at);
    if (!plan.start_at) {
      throw SettingError("start_at",
                         fmt::format("expected an RFC 3339 instant (2026-12-05T12:00:00Z) or "
                                     "+SECONDS (+30s, +2m) up to a day, got '{}'",
                                     *settings.start_at));
    }
  }
  plan.start_file = settings.start_file.value_or("");
  if (settings.start_file && !plan.start_at) {
    throw SettingError("start_file",
                       "needs {start_at}: the instant shard 0 publishes there (+30s, say)");
  }
  if (plan.shard.sharded() && profiles.benchmark_count() > 1 && plan.start_file.empty()) {
    // Each shard would settle on its own between benchmarks while the others load the server,
    // so their benchmarks drift apart until they no longer overlap.
    throw SettingError(
        "start_file",
        fmt::format("a sharded run of {} benchmarks needs {{start_file}} (and {{start_at}}) on "
                    "a volume the shards share: through it they start every benchmark together",
                    profiles.benchmark_count()));
  }
  return plan;
}

}  // namespace llmpace::plan
