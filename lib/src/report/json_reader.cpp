// JSON report reader. Every field to_json writes is read back with its type checked, and every
// error names the field by its path in the document ("benchmarks[1].requests.errored").
#include "llmpace/report/json_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/core/profile_kind.hpp"
#include "llmpace/telemetry/diagnosis_json.hpp"
#include "llmpace/telemetry/telemetry_json.hpp"

namespace llmpace::report {
namespace {

using nlohmann::json;

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

/// Typed access to the fields of one document; every failure is a ConfigError naming `source_`.
class FieldReader {
 public:
  explicit FieldReader(std::string_view source) : source_(source) {}

  /// Runs `read`, putting the source in front of the message of a ConfigError it throws (the
  /// telemetry readers name the field only).
  template <typename Read>
  void with_source(Read read) const {
    try {
      read();
    } catch (const ConfigError& error) {
      throw ConfigError(fmt::format("{}: {}", source_, error.what()));
    }
  }

  [[noreturn]] void fail(const std::string& path, std::string_view problem) const {
    throw ConfigError(fmt::format("{}: field '{}' {}", source_, path, problem));
  }

  [[noreturn]] void wrong_type(const std::string& path, const json& value,
                               std::string_view expected) const {
    fail(path, fmt::format("should be {}, not {}", expected, describe(value)));
  }

  const json& field(const json& object, const std::string& parent, std::string_view key) const {
    const auto found = object.find(key);
    if (found == object.end()) {
      throw ConfigError(fmt::format("{}: missing field '{}'", source_, child_path(parent, key)));
    }
    return *found;
  }

  const json& object(const json& parent_object, const std::string& parent,
                     std::string_view key) const {
    const json& value = field(parent_object, parent, key);
    if (!value.is_object()) wrong_type(child_path(parent, key), value, "an object");
    return value;
  }

  /// The object at `key`; nullptr when it is null, or absent and `may_be_absent` (a field added
  /// within version 2).
  const json* object_or_null(const json& parent_object, const std::string& parent,
                             std::string_view key, bool may_be_absent) const {
    const auto found = parent_object.find(key);
    if (found == parent_object.end() && may_be_absent) return nullptr;
    const json& value = found == parent_object.end() ? field(parent_object, parent, key) : *found;
    if (value.is_null()) return nullptr;
    if (!value.is_object()) wrong_type(child_path(parent, key), value, "an object or null");
    return &value;
  }

  /// A number; null reads as NaN (nlohmann writes non-finite numbers as null).
  double number(const json& object, const std::string& parent, std::string_view key) const {
    return number_value(field(object, parent, key), child_path(parent, key));
  }

  double number_value(const json& value, const std::string& path) const {
    if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!value.is_number()) wrong_type(path, value, "a number");
    return value.get<double>();
  }

  std::size_t count(const json& object, const std::string& parent, std::string_view key) const {
    return count_value(field(object, parent, key), child_path(parent, key));
  }

  std::size_t count_value(const json& value, const std::string& path) const {
    if (!value.is_number_unsigned()) wrong_type(path, value, "a non-negative integer");
    return value.get<std::size_t>();
  }

  int integer(const json& object, const std::string& parent, std::string_view key) const {
    const json& value = field(object, parent, key);
    const std::string path = child_path(parent, key);
    if (!value.is_number_integer()) wrong_type(path, value, "an integer");
    constexpr auto kMax = std::numeric_limits<int>::max();
    constexpr auto kMin = std::numeric_limits<int>::min();
    if (value.is_number_unsigned() ? value.get<std::uint64_t>() > std::uint64_t{kMax}
                                   : value.get<std::int64_t>() < kMin) {
      fail(path, "is out of range");
    }
    return value.get<int>();
  }

  bool boolean(const json& object, const std::string& parent, std::string_view key) const {
    const json& value = field(object, parent, key);
    if (!value.is_boolean()) wrong_type(child_path(parent, key), value, "true or false");
    return value.get<bool>();
  }

  std::string string(const json& object, const std::string& parent, std::string_view key) const {
    const json& value = field(object, parent, key);
    if (!value.is_string()) wrong_type(child_path(parent, key), value, "a string");
    return value.get<std::string>();
  }

  ProfileKind profile_kind(const json& object, const std::string& parent,
                           std::string_view key) const {
    const std::string name = string(object, parent, key);
    if (const std::optional<ProfileKind> kind = parse_profile_kind(name)) return *kind;
    std::vector<std::string_view> known;
    for (const ProfileKind kind : kProfileKinds) known.push_back(to_string(kind));
    fail(child_path(parent, key), fmt::format("names an unknown profile '{}' (expected one of {})",
                                              name, fmt::join(known, ", ")));
  }

 private:
  static std::string describe(const json& value) {
    if (value.is_number()) return "a number";
    if (value.is_null()) return "null";
    return fmt::format("{} {}", value.is_array() || value.is_object() ? "an" : "a",
                       value.type_name());
  }

  std::string_view source_;
};

metrics::DistributionSummary read_summary(const FieldReader& in, const json& object,
                                          const std::string& path) {
  metrics::DistributionSummary summary;
  summary.count = in.count(object, path, "count");
  summary.mean = in.number(object, path, "mean");
  summary.stddev = in.number(object, path, "stddev");
  summary.min = in.number(object, path, "min");
  summary.max = in.number(object, path, "max");
  for (const metrics::PercentileField& field : metrics::kPercentileFields) {
    summary.*field.member = in.number(object, path, field.name);
  }
  // Added within version 2: absent from older reports, whose percentiles were all exact.
  if (object.contains("percentiles_exact")) {
    summary.percentiles_exact = in.boolean(object, path, "percentiles_exact");
  }
  return summary;
}

metrics::RequestCounts read_requests(const FieldReader& in, const json& object,
                                     const std::string& path) {
  // "total" is derived (RequestCounts::total()): not read.
  metrics::RequestCounts requests;
  requests.successful = in.count(object, path, "successful");
  requests.incomplete = in.count(object, path, "incomplete");
  requests.errored = in.count(object, path, "errored");
  requests.warmup = in.count(object, path, "warmup");
  requests.cooldown = in.count(object, path, "cooldown");
  requests.dropped = in.count(object, path, "dropped");
  requests.waited_for_slot = in.count(object, path, "waited_for_slot");
  return requests;
}

metrics::Throughput read_throughput(const FieldReader& in, const json& object,
                                    const std::string& path) {
  metrics::Throughput throughput;
  throughput.requests_per_s = in.number(object, path, "requests_per_s");
  throughput.sent_requests_per_s = in.number(object, path, "sent_requests_per_s");
  throughput.output_tokens_per_s = in.number(object, path, "output_tokens_per_s");
  throughput.total_tokens_per_s = in.number(object, path, "total_tokens_per_s");
  return throughput;
}

/// The timeline is written as columns of equal length (json_writer.cpp).
void read_timeline(const FieldReader& in, const json& object, const std::string& path,
                   metrics::BenchmarkMetrics& m) {
  m.timeline_bucket_s = in.number(object, path, "bucket_s");
  const auto column = [&](std::string_view key) -> const json& {
    const json& value = in.field(object, path, key);
    if (!value.is_array()) in.wrong_type(child_path(path, key), value, "an array");
    return value;
  };
  const json& start_s = column("start_s");
  const json& concurrency_mean = column("concurrency_mean");
  const json& requests_completed = column("requests_completed");
  const json& token_chunks_per_s = column("token_chunks_per_s");
  for (const json* other : {&concurrency_mean, &requests_completed, &token_chunks_per_s}) {
    if (other->size() != start_s.size()) {
      in.fail(path, fmt::format("has columns of different lengths ({} and {})", start_s.size(),
                                other->size()));
    }
  }
  m.timeline.resize(start_s.size());
  for (std::size_t i = 0; i < start_s.size(); ++i) {
    const auto at = [&](std::string_view key) { return fmt::format("{}.{}[{}]", path, key, i); };
    metrics::TimelinePoint& point = m.timeline[i];
    point.start_s = in.number_value(start_s[i], at("start_s"));
    point.concurrency_mean = in.number_value(concurrency_mean[i], at("concurrency_mean"));
    point.requests_completed = in.count_value(requests_completed[i], at("requests_completed"));
    point.token_chunks_per_s = in.number_value(token_chunks_per_s[i], at("token_chunks_per_s"));
  }
}

/// Optional fields, added within version 2: an older report has neither.
void read_error_examples(const FieldReader& in, const json& benchmark, const std::string& parent,
                         metrics::BenchmarkMetrics& m) {
  if (const auto first = benchmark.find("first_error_by_kind"); first != benchmark.end()) {
    const std::string path = child_path(parent, "first_error_by_kind");
    if (!first->is_object()) in.wrong_type(path, *first, "an object");
    for (const auto& [kind, message] : first->items()) {
      if (!message.is_string()) in.wrong_type(child_path(path, kind), message, "a string");
      m.first_error_by_kind[kind] = message.get<std::string>();
    }
  }
  if (const auto usage = benchmark.find("usage_problems"); usage != benchmark.end()) {
    const std::string path = child_path(parent, "usage_problems");
    if (!usage->is_object()) in.wrong_type(path, *usage, "an object");
    m.usage_problems.requests = in.count(*usage, path, "requests");
    const json& message = in.field(*usage, path, "first_message");
    if (!message.is_null() && !message.is_string()) {
      in.wrong_type(child_path(path, "first_message"), message, "a string or null");
    }
    m.usage_problems.first_message = message.is_string() ? message.get<std::string>() : "";
  }
}

/// "incomplete" is absent from reports written before it existed: their figures read as empty.
metrics::IncompleteFigures read_incomplete(const FieldReader& in, const json& benchmark,
                                           const std::string& parent) {
  metrics::IncompleteFigures incomplete;
  const auto found = benchmark.find("incomplete");
  if (found == benchmark.end()) return incomplete;
  const std::string path = child_path(parent, "incomplete");
  if (!found->is_object()) in.wrong_type(path, *found, "an object");
  incomplete.with_first_token = in.count(*found, path, "with_first_token");
  const auto summary = [&](std::string_view key) {
    return read_summary(in, in.object(*found, path, key), child_path(path, key));
  };
  incomplete.ttft_ms = summary("ttft_ms");
  incomplete.itl_ms = summary("itl_ms");
  incomplete.waited_ms = summary("waited_ms");
  incomplete.token_chunks = summary("token_chunks");
  return incomplete;
}

/// One LogHistogram per field of `fields`, from the object at `path`, into `histograms`.
template <typename Fields, typename Histograms>
void read_histograms(const FieldReader& in, const json& object, const std::string& path,
                     const Fields& fields, Histograms& histograms) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const json& histogram = in.object(object, path, fields[i].name);
    try {
      histograms[i] = metrics::LogHistogram::from_json(histogram);
    } catch (const ConfigError& error) {
      in.fail(child_path(path, fields[i].name), error.what());
    }
  }
}

/// The data for merging shard reports, added within version 2: present when "histograms" is.
std::optional<metrics::MergeableData> read_mergeable(const FieldReader& in, const json& benchmark,
                                                     const std::string& path) {
  const auto histograms = benchmark.find("histograms");
  if (histograms == benchmark.end()) return std::nullopt;
  metrics::MergeableData data;
  data.window_start_unix_s = in.number(benchmark, path, "window_start_unix_s");
  data.window_end_unix_s = in.number(benchmark, path, "window_end_unix_s");
  const std::string concurrency_path = child_path(path, "concurrency");
  data.concurrency_integral_s =
      in.number(in.object(benchmark, path, "concurrency"), concurrency_path, "integral_s");
  read_histograms(in, in.object(benchmark, path, "histograms"), child_path(path, "histograms"),
                  metrics::kDistributionFields, data.histograms);
  // Without "incomplete" (read as no figures) its histograms are empty too.
  if (benchmark.contains("incomplete")) {
    const std::string incomplete_path = child_path(path, "incomplete");
    const json& incomplete = in.object(benchmark, path, "incomplete");
    read_histograms(in, in.object(incomplete, incomplete_path, "histograms"),
                    child_path(incomplete_path, "histograms"),
                    metrics::kIncompleteDistributionFields, data.incomplete_histograms);
  }
  return data;
}

/// "server_clock": absent from reports written before it, null when no response was dated.
std::optional<metrics::ServerClock> read_server_clock(const FieldReader& in, const json& benchmark,
                                                      const std::string& parent) {
  const json* found = in.object_or_null(benchmark, parent, "server_clock", true);
  if (found == nullptr) return std::nullopt;
  const json& value = *found;
  const std::string path = child_path(parent, "server_clock");
  metrics::ServerClock clock;
  clock.responses = in.count(value, path, "responses");
  clock.offset_low_s = in.number(value, path, "offset_low_s");
  clock.offset_high_s = in.number(value, path, "offset_high_s");
  return clock;
}

std::optional<metrics::Goodput> read_goodput(const FieldReader& in, const json& benchmark,
                                             const std::string& parent) {
  const json* found = in.object_or_null(benchmark, parent, "goodput", false);
  if (found == nullptr) return std::nullopt;
  const json& value = *found;
  const std::string path = child_path(parent, "goodput");
  metrics::Goodput goodput;
  goodput.slo = in.string(value, path, "slo");
  goodput.requests_met = in.count(value, path, "requests_met");
  goodput.fraction = in.number(value, path, "fraction");
  goodput.requests_per_s = in.number(value, path, "requests_per_s");
  return goodput;
}

/// "settle" is absent from reports written before it existed, and null for a first benchmark.
std::optional<Settle> read_settle(const FieldReader& in, const json& benchmark,
                                  const std::string& parent) {
  const json* found = in.object_or_null(benchmark, parent, "settle", true);
  if (found == nullptr) return std::nullopt;
  const std::string path = child_path(parent, "settle");
  Settle settle;
  settle.method = in.string(*found, path, "method");
  settle.reached = in.boolean(*found, path, "reached");
  settle.waited_s = in.number(*found, path, "waited_s");
  settle.busy_at_end = in.number(*found, path, "busy_at_end");
  if (found->contains("start_late_ms")) {  // sharded runs with a start file only
    settle.start_late_ms = in.number(*found, path, "start_late_ms");
  }
  return settle;
}

BenchmarkReport read_benchmark(const FieldReader& in, const json& object, const std::string& path) {
  BenchmarkReport benchmark;
  benchmark.profile = in.profile_kind(object, path, "profile");
  const json& rate = in.field(object, path, "rate");
  if (!rate.is_null()) benchmark.rate = in.number_value(rate, child_path(path, "rate"));
  benchmark.interrupted = in.boolean(object, path, "interrupted");
  benchmark.stop_reason = in.string(object, path, "stop_reason");
  benchmark.workers = in.integer(object, path, "workers");
  benchmark.settle = read_settle(in, object, path);
  // null in reports written before telemetry existed (the field was reserved).
  if (const auto telemetry = object.find("telemetry");
      telemetry != object.end() && !telemetry->is_null()) {
    in.with_source([&] {
      benchmark.telemetry =
          telemetry::telemetry_from_json(*telemetry, child_path(path, "telemetry"));
    });
  }
  if (const auto diagnosis = object.find("diagnosis");
      diagnosis != object.end() && !diagnosis->is_null()) {
    in.with_source([&] {
      benchmark.diagnosis =
          telemetry::diagnosis_from_json(*diagnosis, child_path(path, "diagnosis"));
    });
  }

  metrics::BenchmarkMetrics& m = benchmark.metrics;
  m.client_limited = in.boolean(object, path, "client_limited");
  m.duration_s = in.number(object, path, "duration_s");
  m.requests = read_requests(in, in.object(object, path, "requests"), child_path(path, "requests"));

  const std::string errors_path = child_path(path, "errors_by_kind");
  for (const auto& [kind, count] : in.object(object, path, "errors_by_kind").items()) {
    m.errors_by_kind[kind] = in.count_value(count, child_path(errors_path, kind));
  }
  read_error_examples(in, object, path, m);
  m.output_tokens_source = in.string(object, path, "output_tokens_source");

  const std::string metrics_path = child_path(path, "metrics");
  const json& distributions = in.object(object, path, "metrics");
  for (const metrics::DistributionField& field : metrics::kDistributionFields) {
    m.*field.member = read_summary(in, in.object(distributions, metrics_path, field.name),
                                   child_path(metrics_path, field.name));
  }
  m.incomplete = read_incomplete(in, object, path);
  m.throughput =
      read_throughput(in, in.object(object, path, "throughput"), child_path(path, "throughput"));

  const std::string concurrency_path = child_path(path, "concurrency");
  const json& concurrency = in.object(object, path, "concurrency");
  m.concurrency.mean = in.number(concurrency, concurrency_path, "mean");
  m.concurrency.max = in.count(concurrency, concurrency_path, "max");
  // Added within version 2: absent from older reports.
  if (concurrency.contains("max_is_upper_bound")) {
    m.concurrency.max_is_upper_bound =
        in.boolean(concurrency, concurrency_path, "max_is_upper_bound");
  }

  // null in a report merged from shards: their timelines do not merge.
  if (const json& timeline = in.field(object, path, "timeline"); timeline.is_null()) {
    m.has_timeline = false;
  } else {
    read_timeline(in, in.object(object, path, "timeline"), child_path(path, "timeline"), m);
  }
  m.mergeable = read_mergeable(in, object, path);
  m.goodput = read_goodput(in, object, path);
  m.server_clock = read_server_clock(in, object, path);
  return benchmark;
}

}  // namespace

Report report_from_json(const json& document, std::string_view source) {
  if (!document.is_object()) {
    throw ConfigError(fmt::format("{}: not an llmpace report (expected a JSON object, got {})",
                                  source, document.type_name()));
  }
  const FieldReader in(source);
  const auto version = document.find("schema_version");
  if (version == document.end()) {
    throw ConfigError(
        fmt::format("{}: missing field 'schema_version' (not an llmpace report?)", source));
  }
  if (!version->is_number_integer() || version->get<std::int64_t>() != kSchemaVersion) {
    throw ConfigError(fmt::format("{}: schema_version {} is not supported (this llmpace reads {})",
                                  source, version->dump(), kSchemaVersion));
  }

  Report report;
  report.llmpace_version = in.string(document, "", "llmpace_version");
  report.created_at = in.string(document, "", "created_at");
  report.interrupted = in.boolean(document, "", "interrupted");
  report.run = in.object(document, "", "run");
  // Added within version 2: optional, so earlier version-2 files still read.
  if (const auto host = document.find("host"); host != document.end() && host->is_object()) {
    report.host = *host;
  }

  const json& benchmarks = in.field(document, "", "benchmarks");
  if (!benchmarks.is_array()) in.wrong_type("benchmarks", benchmarks, "an array");
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const std::string path = fmt::format("benchmarks[{}]", i);
    const json& benchmark = benchmarks[i];
    if (!benchmark.is_object()) in.wrong_type(path, benchmark, "an object");
    report.benchmarks.push_back(read_benchmark(in, benchmark, path));
  }
  if (const auto diagnosis = document.find("diagnosis");
      diagnosis != document.end() && !diagnosis->is_null()) {
    in.with_source([&] {
      report.sweep_diagnosis = telemetry::sweep_diagnosis_from_json(*diagnosis, "diagnosis");
    });
  }
  // Only in a report merged from shards; kept as written.
  if (const auto merge = document.find("merge"); merge != document.end() && !merge->is_null()) {
    if (!merge->is_object()) in.wrong_type("merge", *merge, "an object");
    report.merge = *merge;
  }
  return report;
}

Report read_report_file(const std::string& path) {
  const std::string source = fmt::format("report '{}'", path);
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw ConfigError(fmt::format("cannot read {}: it is a directory", source));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError(fmt::format("cannot read {}: {}", source, std::strerror(errno)));
  }
  json document;
  try {
    document = json::parse(file);
  } catch (const json::parse_error& parse_error) {
    // "[json.exception.parse_error.101] parse error at line 1, ...": the prefix says nothing.
    std::string what = parse_error.what();
    if (const auto end = what.find("] "); what.starts_with("[json.exception") && end != what.npos) {
      what.erase(0, end + 2);
    }
    throw ConfigError(fmt::format("{} is not JSON: {}", source, what));
  }
  return report_from_json(document, source);
}

}  // namespace llmpace::report
