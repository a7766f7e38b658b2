#include "llmpace/report/json_writer.hpp"

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
      {"itl_ms", "every gap between consecutive token-carrying chunks, pooled over requests"},
      {"tpot_ms",
       "(last token chunk - first token chunk) / (output_tokens - 1), per request "
       "with output_tokens >= 2 and at least two token chunks"},
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
      {"percentiles", "linear interpolation between closest ranks (type 7), from all samples"},
      {"distributions", "successful requests only, except the lags"},
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

}  // namespace

json summary_to_json(const metrics::DistributionSummary& summary) {
  return {
      {"count", summary.count}, {"mean", summary.mean}, {"stddev", summary.stddev},
      {"min", summary.min},     {"max", summary.max},   {"p25", summary.p25},
      {"p50", summary.p50},     {"p75", summary.p75},   {"p90", summary.p90},
      {"p95", summary.p95},     {"p99", summary.p99},
  };
}

json benchmark_to_json(const BenchmarkReport& benchmark) {
  const metrics::BenchmarkMetrics& m = benchmark.metrics;
  return {
      {"profile", benchmark.profile},
      {"rate", benchmark.rate ? json(*benchmark.rate) : json(nullptr)},
      {"interrupted", benchmark.interrupted},
      {"stop_reason", benchmark.stop_reason},
      {"workers", benchmark.workers},
      {"client_limited", m.client_limited},
      {"duration_s", m.duration_s},
      {"requests", requests_to_json(m.requests)},
      {"errors_by_kind", json(m.errors_by_kind)},
      {"output_tokens_source", m.output_tokens_source},
      {"metrics",
       {
           {"ttft_ms", summary_to_json(m.ttft_ms)},
           {"ttfb_ms", summary_to_json(m.ttfb_ms)},
           {"itl_ms", summary_to_json(m.itl_ms)},
           {"tpot_ms", summary_to_json(m.tpot_ms)},
           {"latency_ms", summary_to_json(m.latency_ms)},
           {"send_lag_ms", summary_to_json(m.send_lag_ms)},
           {"dispatch_lag_ms", summary_to_json(m.dispatch_lag_ms)},
           {"ttft_from_scheduled_ms", summary_to_json(m.ttft_from_scheduled_ms)},
           {"latency_from_scheduled_ms", summary_to_json(m.latency_from_scheduled_ms)},
           {"output_tokens", summary_to_json(m.output_tokens)},
           {"prompt_tokens", summary_to_json(m.prompt_tokens)},
       }},
      {"throughput", throughput_to_json(m.throughput)},
  };
}

json to_json(const Report& report) {
  json benchmarks = json::array();
  for (const BenchmarkReport& benchmark : report.benchmarks) {
    benchmarks.push_back(benchmark_to_json(benchmark));
  }
  return {
      {"schema_version", kSchemaVersion},
      {"llmpace_version", report.llmpace_version},
      {"created_at", report.created_at},
      {"interrupted", report.interrupted},
      // A default-constructed json is null; an absent configuration is written as {}.
      {"run", report.run.is_null() ? json::object() : report.run},
      {"metric_definitions", metric_definitions()},
      {"benchmarks", std::move(benchmarks)},
  };
}

}  // namespace llmpace::report
