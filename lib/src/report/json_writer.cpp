#include "llmpace/report/json_writer.hpp"

#include "llmpace/telemetry/diagnosis_json.hpp"
#include "llmpace/telemetry/telemetry_json.hpp"

namespace llmpace::report {
namespace {

using nlohmann::json;

// Written into every report so a file read years later still says what its numbers mean: tools
// disagree on these definitions (docs/metrics.md).
json metric_definitions() {
  return {
      {"ttft_ms",
       "sent -> first chunk carrying content or reasoning text (role-only chunks "
       "do not count); successful requests with a first token"},
      {"ttfb_ms", "sent -> first response byte (headers included)"},
      {"receive_times",
       "a read's time: over http, when the kernel received its bytes (SO_TIMESTAMPNS, the newest "
       "segment read); over https, when the client read them"},
      {"itl_ms", "every gap between consecutive token-carrying chunks, pooled over requests"},
      {"itl_mean_ms",
       "per request, (last token chunk - first token chunk) / (output_tokens - 1), with "
       "output_tokens >= 2 and at least two token chunks (GuideLLM's inter-token latency)"},
      {"tpot_ms",
       "per request, (end of stream - first token chunk) / (output_tokens - 1), with "
       "output_tokens >= 2 (vllm bench serve's TPOT)"},
      {"concurrency",
       "requests in flight (sent to done): time-weighted mean and maximum; integral_s is their "
       "integral over the window (mean * duration_s, request-seconds)"},
      {"window_start_unix_s",
       "the measured window duration_s covers, on the wall clock (seconds since the Unix epoch); "
       "also window_end_unix_s"},
      {"histograms",
       "per distribution, a log-linear histogram of the same samples (relative error 2^-10), so "
       "the reports of a run's shards merge (llmpace report merge, docs/scale-out.md)"},
      {"timeline",
       "the measured window in buckets of bucket_s seconds: mean requests in flight, successful "
       "requests that ended, token chunks received per second (counted in 10 ms bins from the "
       "benchmark's start, each bin in the bucket its start falls in)"},
      {"goodput",
       "requests meeting every --slo objective, out of successful + errored; null without --slo"},
      {"latency_ms", "sent -> end of stream"},
      {"send_lag_ms", "scheduled -> sent, every request that was sent (any status)"},
      {"dispatch_lag_ms",
       "scheduled -> dispatched (the client began the request, after any wait for a "
       "concurrency slot), every request"},
      {"ttft_from_scheduled_ms", "scheduled -> first token (coordinated-omission-safe TTFT)"},
      {"latency_from_scheduled_ms", "scheduled -> end of stream (coordinated-omission-safe)"},
      {"client_limited",
       "constant or poisson benchmark whose dispatch lag p99, over requests that did not wait "
       "for a concurrency slot, exceeds 1 ms"},
      {"percentiles",
       "linear interpolation between closest ranks (type 7), exact from all samples up to "
       "131072 of them, beyond from the histogram within 2^-10 (percentiles_exact false); p0_1 "
       "is the 0.1th and p99_9 the 99.9th"},
      {"server_clock",
       "the server's clock minus this process's wall clock, in seconds: bounds from the Date "
       "headers of its responses (each made between sent and first byte), their middle "
       "offset_s; null when no response had a Date header"},
      {"distributions", "successful requests only, except the lags"},
      {"first_error_by_kind",
       "error kind -> error message of the errored request of that kind that ended first "
       "(earliest end, then lowest index), among those with a message"},
      {"usage_problems",
       "measured requests whose server usage object was wrong, and the first problem; their "
       "output tokens were counted from chunks"},
      {"incomplete",
       "measured requests cancelled when the benchmark stopped: ttft_ms and itl_ms of those "
       "that got a first token (pooled chunk gaps), waited_ms (sent -> stop) of those that got "
       "none, a lower bound of their TTFT; never part of the distributions"},
      {"window",
       "warmup and cooldown requests are counted in requests.warmup / requests.cooldown and "
       "excluded from every other statistic"},
  };
}

json throughput_to_json(const metrics::Throughput& throughput) {
  return {
      {"requests_per_s", throughput.requests_per_s},
      {"sent_requests_per_s", throughput.sent_requests_per_s},
      {"output_tokens_per_s", throughput.output_tokens_per_s},
      {"total_tokens_per_s", throughput.total_tokens_per_s},
  };
}

json requests_to_json(const metrics::RequestCounts& requests) {
  return {
      {"successful", requests.successful}, {"incomplete", requests.incomplete},
      {"errored", requests.errored},       {"total", requests.total()},
      {"warmup", requests.warmup},         {"cooldown", requests.cooldown},
      {"dropped", requests.dropped},       {"waited_for_slot", requests.waited_for_slot},
  };
}

/// Columns, not one object per point: a long benchmark's timeline stays small.
json timeline_to_json(const metrics::BenchmarkMetrics& metrics) {
  json start_s = json::array();
  json concurrency_mean = json::array();
  json requests_completed = json::array();
  json token_chunks_per_s = json::array();
  for (const metrics::TimelinePoint& point : metrics.timeline) {
    start_s.push_back(point.start_s);
    concurrency_mean.push_back(point.concurrency_mean);
    requests_completed.push_back(point.requests_completed);
    token_chunks_per_s.push_back(point.token_chunks_per_s);
  }
  return {
      {"bucket_s", metrics.timeline_bucket_s},
      {"start_s", std::move(start_s)},
      {"concurrency_mean", std::move(concurrency_mean)},
      {"requests_completed", std::move(requests_completed)},
      {"token_chunks_per_s", std::move(token_chunks_per_s)},
  };
}

/// {"requests": N, "first_message": "..."}; first_message null when there is none.
json usage_problems_to_json(const metrics::UsageProblems& problems) {
  return {
      {"requests", problems.requests},
      {"first_message",
       problems.first_message.empty() ? json(nullptr) : json(problems.first_message)},
  };
}

/// {name: LogHistogram::to_json(), ...} over `fields` and the parallel `histograms`.
template <typename Fields, typename Histograms>
json histograms_to_json(const Fields& fields, const Histograms& histograms) {
  json object = json::object();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    object[std::string(fields[i].name)] = histograms[i].to_json();
  }
  return object;
}

json incomplete_to_json(const metrics::BenchmarkMetrics& metrics) {
  const metrics::IncompleteFigures& incomplete = metrics.incomplete;
  json object = {{"with_first_token", incomplete.with_first_token}};
  for (const metrics::IncompleteDistributionField& field : metrics::kIncompleteDistributionFields) {
    object[std::string(field.name)] = summary_to_json(incomplete.*field.member);
  }
  if (metrics.mergeable) {
    object["histograms"] = histograms_to_json(metrics::kIncompleteDistributionFields,
                                              metrics.mergeable->incomplete_histograms);
  }
  return object;
}

json concurrency_to_json(const metrics::BenchmarkMetrics& metrics) {
  json object = {{"mean", metrics.concurrency.mean},
                 {"max", metrics.concurrency.max},
                 {"max_is_upper_bound", metrics.concurrency.max_is_upper_bound}};
  if (metrics.mergeable) object["integral_s"] = metrics.mergeable->concurrency_integral_s;
  return object;
}

json goodput_to_json(const metrics::Goodput& goodput) {
  return {
      {"slo", goodput.slo},
      {"requests_met", goodput.requests_met},
      {"fraction", goodput.fraction},
      {"requests_per_s", goodput.requests_per_s},
  };
}

json server_clock_to_json(const metrics::ServerClock& clock) {
  return {{"responses", clock.responses},
          {"offset_low_s", clock.offset_low_s},
          {"offset_high_s", clock.offset_high_s},
          {"offset_s", clock.consistent() ? json(clock.offset_s()) : json(nullptr)}};
}

}  // namespace

json distributions_to_json(const metrics::BenchmarkMetrics& metrics) {
  json object = json::object();
  for (const metrics::DistributionField& field : metrics::kDistributionFields) {
    object[std::string(field.name)] = summary_to_json(metrics.*field.member);
  }
  return object;
}

json summary_to_json(const metrics::DistributionSummary& summary) {
  json object = {
      {"count", summary.count}, {"mean", summary.mean}, {"stddev", summary.stddev},
      {"min", summary.min},     {"max", summary.max},
  };
  for (const metrics::PercentileField& field : metrics::kPercentileFields) {
    object[std::string(field.name)] = summary.*field.member;
  }
  object["percentiles_exact"] = summary.percentiles_exact;
  return object;
}

json settle_to_json(const std::optional<Settle>& settle) {
  if (!settle) return nullptr;
  json object = {{"method", settle->method},
                 {"reached", settle->reached},
                 {"waited_s", settle->waited_s},
                 {"busy_at_end", settle->busy_at_end}};
  if (settle->start_late_ms) object["start_late_ms"] = *settle->start_late_ms;
  return object;
}

json benchmark_to_json(const BenchmarkReport& benchmark) {
  const metrics::BenchmarkMetrics& m = benchmark.metrics;
  json object = {
      {"profile", std::string(to_string(benchmark.profile))},
      {"rate", benchmark.rate ? json(*benchmark.rate) : json(nullptr)},
      {"interrupted", benchmark.interrupted},
      {"stop_reason", benchmark.stop_reason},
      {"workers", benchmark.workers},
      {"client_limited", m.client_limited},
      {"duration_s", m.duration_s},
      {"requests", requests_to_json(m.requests)},
      {"errors_by_kind", json(m.errors_by_kind)},
      {"first_error_by_kind", json(m.first_error_by_kind)},
      {"usage_problems", usage_problems_to_json(m.usage_problems)},
      {"output_tokens_source", m.output_tokens_source},
      {"metrics", distributions_to_json(m)},
      {"incomplete", incomplete_to_json(m)},
      {"throughput", throughput_to_json(m.throughput)},
      {"concurrency", concurrency_to_json(m)},
      {"timeline", m.has_timeline ? timeline_to_json(m) : json(nullptr)},
      {"goodput", m.goodput ? goodput_to_json(*m.goodput) : json(nullptr)},
      {"server_clock", m.server_clock ? server_clock_to_json(*m.server_clock) : json(nullptr)},
      {"settle", settle_to_json(benchmark.settle)},
      {"telemetry",
       benchmark.telemetry ? telemetry::telemetry_to_json(*benchmark.telemetry) : json(nullptr)},
      {"diagnosis",
       benchmark.diagnosis ? telemetry::diagnosis_to_json(*benchmark.diagnosis) : json(nullptr)},
  };
  // Only with the data to merge shard reports (absent when read from an older report).
  if (m.mergeable) {
    object["window_start_unix_s"] = m.mergeable->window_start_unix_s;
    object["window_end_unix_s"] = m.mergeable->window_end_unix_s;
    object["histograms"] =
        histograms_to_json(metrics::kDistributionFields, m.mergeable->histograms);
  }
  return object;
}

json to_json(const Report& report) {
  json benchmarks = json::array();
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    benchmarks.push_back(benchmark_to_json(benchmark));
  }
  json document = {
      {"schema_version", kSchemaVersion},
      {"llmpace_version", report.llmpace_version},
      {"created_at", report.created_at},
      {"interrupted", report.interrupted},
      // A default-constructed json is null; an absent configuration is written as {}.
      {"run", report.run.is_null() ? json::object() : report.run},
      {"host", report.host.is_null() ? json::object() : report.host},
      {"metric_definitions", metric_definitions()},
      {"benchmarks", std::move(benchmarks)},
      {"diagnosis", report.sweep_diagnosis ? telemetry::diagnosis_to_json(*report.sweep_diagnosis)
                                           : json(nullptr)},
  };
  if (!report.merge.is_null()) document["merge"] = report.merge;
  return document;
}

}  // namespace llmpace::report
