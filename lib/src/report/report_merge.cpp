// merge_shard_reports(): the checks that the reports are the shards of one run, then the merge
// (benchmark_merge.cpp) and the `merge` object that says what it did.
#include "llmpace/report/report_merge.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "benchmark_merge.hpp"
#include "llmpace/core/error.hpp"

namespace llmpace::report {
namespace {

using nlohmann::json;

std::string named(std::string_view file) { return fmt::format("report '{}'", file); }

/// "constant at 2.5": the rate in full, not rounded as benchmark_name() shows it, since two rates
/// that differ only past its second decimal are what this error must tell apart.
std::string describe_rate(const BenchmarkReport& benchmark) {
  return benchmark.rate ? fmt::format("{} at {}", to_string(benchmark.profile), *benchmark.rate)
                        : std::string(to_string(benchmark.profile));
}

/// Keys of `run` that belong to one shard's process: its position, and how late it started
/// after the run's common start (run.start_at).
constexpr std::array<std::string_view, 2> kPerShardRunKeys{"shard", "start_late_ms"};

/// The run section without the per-shard keys: what every shard of one run shares.
json shared_run(const Report& report) {
  json run = report.run.is_object() ? report.run : json::object();
  for (const std::string_view key : kPerShardRunKeys) run.erase(std::string(key));
  return run;
}

/// The per-shard keys of the run section, as written.
json per_shard_run(const Report& report) {
  json run = json::object();
  if (!report.run.is_object()) return run;
  for (const std::string_view key : kPerShardRunKeys) {
    if (const auto found = report.run.find(key); found != report.run.end()) {
      run[std::string(key)] = *found;
    }
  }
  return run;
}

void check_same_run(const ShardReport& reference, const ShardReport& shard) {
  const json expected = shared_run(reference.report);
  const json actual = shared_run(shard.report);
  if (expected == actual) return;
  const json patch = json::diff(expected, actual);
  const std::string where = patch.empty() ? "" : patch[0].value("path", "");
  throw ConfigError(
      fmt::format("{} and {} are not shards of one run: their run sections differ at 'run{}'",
                  named(reference.file), named(shard.file), where));
}

/// The shards ordered by index, after checking counts, duplicates and gaps.
std::vector<const ShardReport*> order_by_index(const std::vector<ShardReport>& shards) {
  std::vector<ShardPosition> positions;
  for (const ShardReport& shard : shards) {
    positions.push_back(shard_position(shard.report, shard.file));
  }
  const std::size_t count = positions.front().count;
  std::vector<const ShardReport*> ordered(count, nullptr);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    if (positions[i].count != count) {
      throw ConfigError(fmt::format("{} is shard {} of {} but {} is shard {} of {}",
                                    named(shards[i].file), positions[i].index, positions[i].count,
                                    named(shards[0].file), positions[0].index, count));
    }
    const ShardReport*& slot = ordered[positions[i].index];
    if (slot != nullptr) {
      throw ConfigError(fmt::format("{} and {} are both shard {} of {}", named(slot->file),
                                    named(shards[i].file), positions[i].index, count));
    }
    slot = &shards[i];
  }
  std::vector<std::size_t> missing;
  for (std::size_t index = 0; index < count; ++index) {
    if (ordered[index] == nullptr) missing.push_back(index);
  }
  if (!missing.empty()) {
    const bool several = missing.size() > 1;
    throw ConfigError(fmt::format("shard{} {} of {} {} missing: give the reports of all {} shards",
                                  several ? "s" : "", fmt::join(missing, ", "), count,
                                  several ? "are" : "is", count));
  }
  return ordered;
}

/// Same benchmarks (number, profile, rate), each with mergeable data of one precision.
void check_benchmarks(const ShardReport& reference, const ShardReport& shard) {
  const auto& expected = reference.report.benchmarks;
  const auto& actual = shard.report.benchmarks;
  if (expected.size() != actual.size()) {
    throw ConfigError(fmt::format("{} has {} benchmarks but {} has {}", named(shard.file),
                                  actual.size(), named(reference.file), expected.size()));
  }
  for (std::size_t b = 0; b < actual.size(); ++b) {
    if (actual[b].profile != expected[b].profile || actual[b].rate != expected[b].rate) {
      throw ConfigError(fmt::format("benchmark {}: {} is {} but {} is {}", b + 1, named(shard.file),
                                    describe_rate(actual[b]), named(reference.file),
                                    describe_rate(expected[b])));
    }
    const auto& data = actual[b].metrics.mergeable;
    if (!data) {
      throw ConfigError(fmt::format(
          "{}: benchmark {} has no histograms (written by an llmpace older than 'report merge'): "
          "cannot merge it",
          named(shard.file), b + 1));
    }
    const auto& reference_data = *expected[b].metrics.mergeable;
    for (std::size_t i = 0; i < data->histograms.size(); ++i) {
      const metrics::LogHistogram& mine = data->histograms[i];
      const metrics::LogHistogram& theirs = reference_data.histograms[i];
      if (mine.sub_bucket_bits() != theirs.sub_bucket_bits() ||
          mine.zero_floor() != theirs.zero_floor()) {
        throw ConfigError(fmt::format(
            "benchmark {}: histogram {} of {} has relative error {} (zero floor {}) but {} has {} "
            "({}): cannot merge",
            b + 1, metrics::kDistributionFields[i].name, named(shard.file), mine.relative_error(),
            mine.zero_floor(), named(reference.file), theirs.relative_error(),
            theirs.zero_floor()));
      }
    }
    for (std::size_t i = 0; i < data->incomplete_histograms.size(); ++i) {
      if (data->incomplete_histograms[i].sub_bucket_bits() !=
              reference_data.incomplete_histograms[i].sub_bucket_bits() ||
          data->incomplete_histograms[i].zero_floor() !=
              reference_data.incomplete_histograms[i].zero_floor()) {
        throw ConfigError(fmt::format(
            "benchmark {}: histogram incomplete.{} of {} has another precision than in {}: "
            "cannot merge",
            b + 1, metrics::kIncompleteDistributionFields[i].name, named(shard.file),
            named(reference.file)));
      }
    }
  }
}

/// Every two windows of benchmark `b` share an instant: the latest start is not after the
/// earliest end.
void check_windows_overlap(const std::vector<const ShardReport*>& shards, std::size_t b) {
  const ShardReport* latest_start = shards.front();
  const ShardReport* earliest_end = shards.front();
  const auto window = [b](const ShardReport* shard) -> const metrics::MergeableData& {
    return *shard->report.benchmarks[b].metrics.mergeable;
  };
  for (const ShardReport* shard : shards) {
    if (window(shard).window_start_unix_s > window(latest_start).window_start_unix_s) {
      latest_start = shard;
    }
    if (window(shard).window_end_unix_s < window(earliest_end).window_end_unix_s) {
      earliest_end = shard;
    }
  }
  if (window(latest_start).window_start_unix_s <= window(earliest_end).window_end_unix_s) return;
  throw ConfigError(fmt::format(
      "benchmark {}: the window of {} ends at {:.3f} (Unix time) before that of {} starts at "
      "{:.3f}: not shards of one run",
      b + 1, named(earliest_end->file), window(earliest_end).window_end_unix_s,
      named(latest_start->file), window(latest_start).window_start_unix_s));
}

json merge_object(const std::vector<const ShardReport*>& shards) {
  json listed = json::array();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const Report& report = shards[i]->report;
    listed.push_back({{"index", i},
                      {"file", shards[i]->file},
                      {"llmpace_version", report.llmpace_version},
                      {"created_at", report.created_at},
                      {"host", report.host.is_null() ? json::object() : report.host},
                      {"run", per_shard_run(report)}});
  }
  double relative_error = metrics::LogHistogram().relative_error();
  if (const auto& benchmarks = shards.front()->report.benchmarks; !benchmarks.empty()) {
    relative_error = benchmarks.front().metrics.mergeable->histograms.front().relative_error();
  }
  return {
      {"shard_count", shards.size()},
      {"shards", std::move(listed)},
      {"percentile_relative_error", relative_error},
      {"exact", json::array({"requests", "errors_by_kind", "usage_problems.requests", "goodput",
                             "duration_s", "throughput", "concurrency.mean", "count", "mean",
                             "stddev", "min", "max", "incomplete.with_first_token"})},
      {"within_relative_error", json::array({"p0_1 ... p99_9 of metrics and incomplete"})},
      {"upper_bounds", json::array({"concurrency.max"})},
      {"from_lowest_shard",
       json::array({"first_error_by_kind", "usage_problems.first_message",
                    "stop_reason (when the shards' differ)", "llmpace_version", "run"})},
      {"any_shard", json::array({"interrupted", "client_limited"})},
      {"not_merged",
       json::array({"timeline", "telemetry", "diagnosis", "settle", "host (see shards)"})},
      {"assumptions",
       json::array({"the shards' wall clocks agree: duration_s is the union of their measured "
                    "windows (earliest window_start_unix_s to latest window_end_unix_s) and is "
                    "off by as much as the clocks are",
                    "each shard reports the run's profile and rate, not its share"})},
  };
}

}  // namespace

ShardPosition shard_position(const Report& report, std::string_view file) {
  if (!report.run.is_object()) return {};
  const auto shard = report.run.find("shard");
  if (shard == report.run.end()) return {};
  const auto unsigned_field = [&](const char* key) -> std::optional<std::size_t> {
    if (!shard->is_object()) return std::nullopt;
    const auto value = shard->find(key);
    if (value == shard->end() || !value->is_number_integer() || value->get<std::int64_t>() < 0) {
      return std::nullopt;
    }
    return value->get<std::size_t>();
  };
  const std::optional<std::size_t> index = unsigned_field("index");
  const std::optional<std::size_t> count = unsigned_field("count");
  if (!index || !count || *count == 0 || *index >= *count) {
    throw ConfigError(fmt::format(
        "{}: run.shard should be {{\"index\": I, \"count\": N}} with 0 <= I < N, not {}",
        named(file), shard->dump()));
  }
  return {*index, *count};
}

Report merge_shard_reports(const std::vector<ShardReport>& shards) {
  if (shards.empty()) throw ConfigError("report merge: no shard reports to merge");
  for (const ShardReport& shard : shards) check_same_run(shards.front(), shard);
  const std::vector<const ShardReport*> ordered = order_by_index(shards);
  const ShardReport& first = *ordered.front();
  for (const ShardReport* shard : ordered) {
    // The reference first, so a report without mergeable data is named before it is compared.
    check_benchmarks(*shard, *shard);
    check_benchmarks(first, *shard);
  }

  Report merged;
  merged.llmpace_version = first.report.llmpace_version;
  merged.created_at = first.report.created_at;
  merged.run = shared_run(first.report);
  merged.host = first.report.host;
  for (const ShardReport* shard : ordered) {
    merged.interrupted = merged.interrupted || shard->report.interrupted;
    // ISO 8601 UTC times of one format order as strings.
    merged.created_at = std::min(merged.created_at, shard->report.created_at);
    if (shard->report.host != merged.host) merged.host = json::object();
  }
  for (std::size_t b = 0; b < first.report.benchmarks.size(); ++b) {
    check_windows_overlap(ordered, b);
    std::vector<const BenchmarkReport*> benchmarks;
    for (const ShardReport* shard : ordered) benchmarks.push_back(&shard->report.benchmarks[b]);
    try {
      merged.benchmarks.push_back(merge_benchmarks(benchmarks));
    } catch (const ConfigError& error) {
      throw ConfigError(fmt::format("benchmark {} of the shard reports: {}", b + 1, error.what()));
    }
  }
  merged.merge = merge_object(ordered);
  return merged;
}

}  // namespace llmpace::report
