#include "llmpace/prom/report_metrics.hpp"

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "llmpace/report/telemetry_text.hpp"

namespace llmpace::prom {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr double kBytesPerMiB = 1024.0 * 1024.0;
constexpr double kSecondsPerMs = 1e-3;

bool is_sendable(double value) { return std::isfinite(value) && value >= 0; }

/// The families under construction, in order; empty ones are dropped at the end.
class Families {
 public:
  MetricFamily& add(std::string name, std::string help, MetricType type) {
    families_.push_back(MetricFamily{std::move(name), std::move(help), type, {}});
    return families_.back();
  }
  std::vector<MetricFamily> take() && {
    std::erase_if(families_, [](const MetricFamily& family) { return family.metric.empty(); });
    return std::move(families_);
  }

 private:
  std::vector<MetricFamily> families_;
};

/// Adds a sample to `family` when `value` is sendable.
void add_sample(MetricFamily& family, Labels labels, double value) {
  if (!is_sendable(value)) return;
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

Labels with(Labels labels, std::string name, std::string value) {
  labels.push_back({std::move(name), std::move(value)});
  return labels;
}

Labels run_labels(const Grouping& grouping, const RunInfo& info) {
  return {{"job", std::string(kJob)},
          {"suite", grouping.suite},
          {"variant", grouping.variant},
          {"scenario", grouping.scenario},
          {"model", info.model}};
}

struct Distribution {
  const char* name;  // family stem: llmpace_<name>_seconds, llmpace_<name>_mean_seconds
  const char* what;  // for the help text
  metrics::DistributionSummary metrics::BenchmarkMetrics::*member;
};

constexpr std::array<Distribution, 4> kDistributions{{
    {"ttft", "Time to first token (sent to first token) of successful requests",
     &metrics::BenchmarkMetrics::ttft_ms},
    {"itl", "Inter-token latency (every gap between token chunks) of successful requests",
     &metrics::BenchmarkMetrics::itl_ms},
    {"tpot", "Time per output token after the first ((done - first token) / (output - 1))",
     &metrics::BenchmarkMetrics::tpot_ms},
    {"request_latency", "Request latency (sent to done) of successful requests",
     &metrics::BenchmarkMetrics::latency_ms},
}};

}  // namespace

bool has_successful_request(const report::Report& report) {
  return std::any_of(report.benchmarks.begin(), report.benchmarks.end(),
                     [](const report::BenchmarkReport& benchmark) {
                       return benchmark.metrics.requests.successful > 0;
                     });
}

std::vector<MetricFamily> report_families(const report::Report& report, const Grouping& grouping,
                                          const RunInfo& info, double now_unix_s) {
  const Labels run = run_labels(grouping, info);
  const auto benchmark_labels = [&](std::size_t index, const report::BenchmarkReport& benchmark) {
    return with(with(run, "benchmark", std::to_string(index + 1)), "profile",
                std::string(to_string(benchmark.profile)));
  };
  const auto& benchmarks = report.benchmarks;
  Families families;

  for (const Distribution& distribution : kDistributions) {
    MetricFamily& family =
        families.add(fmt::format("llmpace_{}_seconds", distribution.name),
                     fmt::format("{}, seconds, by quantile", distribution.what), MetricType::Gauge);
    for (std::size_t i = 0; i < benchmarks.size(); ++i) {
      const metrics::DistributionSummary& summary = benchmarks[i].metrics.*distribution.member;
      if (summary.count == 0) continue;
      for (const auto& [quantile, member] : kPushedQuantiles) {
        add_sample(family,
                   with(benchmark_labels(i, benchmarks[i]), "quantile", std::string(quantile)),
                   summary.*member * kSecondsPerMs);
      }
    }
  }
  for (const Distribution& distribution : kDistributions) {
    MetricFamily& family =
        families.add(fmt::format("llmpace_{}_mean_seconds", distribution.name),
                     fmt::format("{}, seconds, mean", distribution.what), MetricType::Gauge);
    for (std::size_t i = 0; i < benchmarks.size(); ++i) {
      const metrics::DistributionSummary& summary = benchmarks[i].metrics.*distribution.member;
      if (summary.count == 0) continue;
      add_sample(family, benchmark_labels(i, benchmarks[i]), summary.mean * kSecondsPerMs);
    }
  }

  MetricFamily& requests_per_s =
      families.add("llmpace_requests_per_second", "Successful requests per second of the benchmark",
                   MetricType::Gauge);
  MetricFamily& output_per_s = families.add(
      "llmpace_output_tokens_per_second",
      "Output tokens of successful requests per second of the benchmark", MetricType::Gauge);
  MetricFamily& prompt_per_s = families.add(
      "llmpace_prompt_tokens_per_second",
      "Prompt tokens of successful requests per second of the benchmark", MetricType::Gauge);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const metrics::BenchmarkMetrics& m = benchmarks[i].metrics;
    if (!(m.duration_s > 0)) continue;
    const Labels labels = benchmark_labels(i, benchmarks[i]);
    add_sample(requests_per_s, labels, m.throughput.requests_per_s);
    add_sample(output_per_s, labels, m.throughput.output_tokens_per_s);
    add_sample(prompt_per_s, labels,
               std::max(0.0, m.throughput.total_tokens_per_s - m.throughput.output_tokens_per_s));
  }

  MetricFamily& rate = families.add(
      "llmpace_benchmark_rate",
      "The profile's rate: streams (concurrent) or requests per second (constant, poisson)",
      MetricType::Gauge);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    if (benchmarks[i].rate)
      add_sample(rate, benchmark_labels(i, benchmarks[i]), *benchmarks[i].rate);
  }

  MetricFamily& requests = families.add(
      "llmpace_requests_total",
      "Requests of the benchmark's measured window by outcome (the run's count, replaced by the "
      "next push)",
      MetricType::Counter);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const metrics::RequestCounts& counts = benchmarks[i].metrics.requests;
    const Labels labels = benchmark_labels(i, benchmarks[i]);
    add_sample(requests, with(labels, "outcome", "successful"),
               static_cast<double>(counts.successful));
    add_sample(requests, with(labels, "outcome", "errored"), static_cast<double>(counts.errored));
    add_sample(requests, with(labels, "outcome", "incomplete"),
               static_cast<double>(counts.incomplete));
  }
  MetricFamily& errors =
      families.add("llmpace_request_errors_total",
                   "Errored requests of the benchmark by error kind", MetricType::Counter);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    for (const auto& [kind, count] : benchmarks[i].metrics.errors_by_kind) {
      add_sample(errors, with(benchmark_labels(i, benchmarks[i]), "kind", kind),
                 static_cast<double>(count));
    }
  }

  MetricFamily& gpu_memory =
      families.add("llmpace_gpu_memory_used_bytes",
                   "Most GPU framebuffer used during the benchmark, summed over the GPUs (DCGM)",
                   MetricType::Gauge);
  MetricFamily& kv_usage = families.add(
      "llmpace_server_kv_cache_usage_ratio",
      "Highest KV-cache usage the server reported during the benchmark, 0..1", MetricType::Gauge);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    const report::BenchmarkReport& benchmark = benchmarks[i];
    if (const auto mib = report::gpu_totals(benchmark).fb_used_mib_max) {
      add_sample(gpu_memory, benchmark_labels(i, benchmark), *mib * kBytesPerMiB);
    }
    if (benchmark.telemetry && benchmark.telemetry->server &&
        benchmark.telemetry->server->kv_cache_usage) {
      add_sample(kv_usage, benchmark_labels(i, benchmark),
                 benchmark.telemetry->server->kv_cache_usage->max);
    }
  }

  MetricFamily& diagnosis = families.add(
      "llmpace_diagnosis_info", "The benchmark's diagnosis: the wall it hit (docs/diagnosis.md)",
      MetricType::Gauge);
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    if (!benchmarks[i].diagnosis) continue;
    add_sample(diagnosis,
               with(benchmark_labels(i, benchmarks[i]), "wall",
                    std::string(telemetry::to_string(benchmarks[i].diagnosis->wall))),
               1);
  }

  MetricFamily& run_info = families.add(
      "llmpace_run_info", "The llmpace version and the variant's labels", MetricType::Gauge);
  Labels info_labels = with(run, "llmpace_version", report.llmpace_version);
  for (const auto& [name, value] : info.labels) info_labels.push_back({name, value});
  add_sample(run_info, std::move(info_labels), 1);

  if (has_successful_request(report)) {
    MetricFamily& success = families.add(
        "llmpace_last_success_timestamp_seconds",
        "When the last run with a successful request was pushed, Unix time", MetricType::Gauge);
    add_sample(success, run, now_unix_s);
  }
  return std::move(families).take();
}

std::vector<MetricFamily> failure_families(const Grouping& grouping, const RunInfo& info,
                                           double now_unix_s) {
  Families families;
  MetricFamily& failure = families.add(
      "llmpace_last_failure_timestamp_seconds",
      "When the last run in which no request succeeded was pushed, Unix time", MetricType::Gauge);
  add_sample(failure, run_labels(grouping, info), now_unix_s);
  return std::move(families).take();
}

std::string exposition_text(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

PushRequest push_request(const report::Report& report, const Grouping& grouping,
                         const RunInfo& info, double now_unix_s) {
  if (has_successful_request(report)) {
    return {"PUT", grouping_path(grouping),
            exposition_text(report_families(report, grouping, info, now_unix_s))};
  }
  return {"POST", grouping_path(grouping),
          exposition_text(failure_families(grouping, info, now_unix_s))};
}

}  // namespace llmpace::prom
