// merge_benchmarks(): sums, unions and histogram merges of one benchmark of every shard.
#include "benchmark_merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "llmpace/core/error.hpp"

namespace llmpace::report {
namespace {

double per_second(double amount, double duration_s) {
  return duration_s > 0 ? amount / duration_s : 0;
}

metrics::RequestCounts sum_requests(const std::vector<const BenchmarkReport*>& shards) {
  metrics::RequestCounts sum;
  for (const BenchmarkReport* shard : shards) {
    const metrics::RequestCounts& part = shard->metrics.requests;
    sum.successful += part.successful;
    sum.incomplete += part.incomplete;
    sum.errored += part.errored;
    sum.warmup += part.warmup;
    sum.cooldown += part.cooldown;
    sum.dropped += part.dropped;
    sum.waited_for_slot += part.waited_for_slot;
  }
  return sum;
}

/// What compute_metrics() gives for the union: "none" adds nothing, one source is itself, two
/// are "mixed".
std::string combined_token_source(const std::vector<const BenchmarkReport*>& shards) {
  std::set<std::string> sources;
  for (const BenchmarkReport* shard : shards) {
    if (shard->metrics.output_tokens_source != "none") {
      sources.insert(shard->metrics.output_tokens_source);
    }
  }
  if (sources.empty()) return "none";
  return sources.size() == 1 ? *sources.begin() : "mixed";
}

/// Errors summed by kind; each kind's first message and the first usage problem from the lowest
/// shard that has one (the shards' clocks are not compared to pick the earliest).
void merge_errors(const std::vector<const BenchmarkReport*>& shards, metrics::BenchmarkMetrics& m) {
  for (const BenchmarkReport* shard : shards) {
    const metrics::BenchmarkMetrics& part = shard->metrics;
    for (const auto& [kind, count] : part.errors_by_kind) m.errors_by_kind[kind] += count;
    for (const auto& [kind, message] : part.first_error_by_kind) {
      m.first_error_by_kind.try_emplace(kind, message);
    }
    m.usage_problems.requests += part.usage_problems.requests;
    if (m.usage_problems.first_message.empty()) {
      m.usage_problems.first_message = part.usage_problems.first_message;
    }
  }
}

std::optional<metrics::Goodput> merge_goodput(const std::vector<const BenchmarkReport*>& shards,
                                              const metrics::BenchmarkMetrics& m) {
  const std::optional<metrics::Goodput>& first = shards.front()->metrics.goodput;
  std::size_t met = 0;
  for (const BenchmarkReport* shard : shards) {
    const std::optional<metrics::Goodput>& part = shard->metrics.goodput;
    if (part.has_value() != first.has_value() || (part && part->slo != first->slo)) {
      throw ConfigError(fmt::format("their goodput SLOs differ ('{}' and '{}')",
                                    first ? first->slo : "none", part ? part->slo : "none"));
    }
    if (part) met += part->requests_met;
  }
  if (!first) return std::nullopt;
  metrics::Goodput goodput;
  goodput.slo = first->slo;
  goodput.requests_met = met;
  const std::size_t ended = m.requests.successful + m.requests.errored;
  goodput.fraction = ended > 0 ? static_cast<double>(met) / static_cast<double>(ended) : 0;
  goodput.requests_per_s = per_second(static_cast<double>(met), m.duration_s);
  return goodput;
}

/// The histograms at `index` of every shard merged, and the summary of the union.
template <typename HistogramsOf, typename SummaryOf>
metrics::DistributionSummary merge_distribution(const std::vector<const BenchmarkReport*>& shards,
                                                HistogramsOf histograms_of, SummaryOf summary_of,
                                                metrics::LogHistogram& merged) {
  std::vector<metrics::DistributionSummary> parts;
  merged = histograms_of(*shards.front());
  parts.push_back(summary_of(*shards.front()));
  for (std::size_t i = 1; i < shards.size(); ++i) {
    merged.merge(histograms_of(*shards[i]));
    parts.push_back(summary_of(*shards[i]));
  }
  return merged_summary(merged, parts);
}

void merge_distributions(const std::vector<const BenchmarkReport*>& shards,
                         metrics::BenchmarkMetrics& m, metrics::MergeableData& data) {
  for (std::size_t i = 0; i < metrics::kDistributionFields.size(); ++i) {
    const auto member = metrics::kDistributionFields[i].member;
    m.*member = merge_distribution(
        shards,
        [i](const BenchmarkReport& b) -> const metrics::LogHistogram& {
          return b.metrics.mergeable->histograms[i];
        },
        [member](const BenchmarkReport& b) { return b.metrics.*member; }, data.histograms[i]);
  }
  for (std::size_t i = 0; i < metrics::kIncompleteDistributionFields.size(); ++i) {
    const auto member = metrics::kIncompleteDistributionFields[i].member;
    // GCC 12 at -O2 takes this store for one into IncompleteFigures' first field, a size_t
    // (-Wstringop-overflow): a false positive, silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
    m.incomplete.*member = merge_distribution(
        shards,
        [i](const BenchmarkReport& b) -> const metrics::LogHistogram& {
          return b.metrics.mergeable->incomplete_histograms[i];
        },
        [member](const BenchmarkReport& b) { return b.metrics.incomplete.*member; },
        data.incomplete_histograms[i]);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  }
  for (const BenchmarkReport* shard : shards) {
    m.incomplete.with_first_token += shard->metrics.incomplete.with_first_token;
  }
}

/// The distribution at `name` of kDistributionFields, merged.
const metrics::LogHistogram& histogram_named(const metrics::MergeableData& data,
                                             std::string_view name) {
  for (std::size_t i = 0; i < metrics::kDistributionFields.size(); ++i) {
    if (metrics::kDistributionFields[i].name == name) return data.histograms[i];
  }
  throw std::logic_error(fmt::format("no distribution '{}'", name));
}

}  // namespace

metrics::DistributionSummary merged_summary(
    const metrics::LogHistogram& merged, const std::vector<metrics::DistributionSummary>& parts) {
  metrics::DistributionSummary summary;
  if (merged.count() == 0) return summary;
  summary.count = merged.count();
  summary.mean = merged.mean();
  // Each part's squared deviations from its own mean, moved to the union's mean.
  double squared_deviations = 0;
  for (const metrics::DistributionSummary& part : parts) {
    if (part.count == 0) continue;
    const double shift = part.mean - summary.mean;
    squared_deviations +=
        static_cast<double>(part.count) * (part.stddev * part.stddev + shift * shift);
  }
  summary.stddev = std::sqrt(squared_deviations / static_cast<double>(summary.count));
  summary.min = merged.min();
  summary.max = merged.max();
  for (const metrics::PercentileField& field : metrics::kPercentileFields) {
    summary.*field.member = merged.quantile(field.rank / 100.0);
  }
  summary.percentiles_exact = false;
  return summary;
}

BenchmarkReport merge_benchmarks(const std::vector<const BenchmarkReport*>& shards) {
  const BenchmarkReport& first = *shards.front();
  BenchmarkReport merged;
  merged.profile = first.profile;
  merged.rate = first.rate;
  merged.stop_reason = first.stop_reason;  // the lowest shard's when they differ
  merged.workers = 0;
  metrics::BenchmarkMetrics& m = merged.metrics;
  metrics::MergeableData data;
  data.window_start_unix_s = first.metrics.mergeable->window_start_unix_s;
  data.window_end_unix_s = first.metrics.mergeable->window_end_unix_s;
  const BenchmarkReport* last_to_end = &first;
  for (const BenchmarkReport* shard : shards) {
    if (shard->metrics.mergeable->window_end_unix_s > data.window_end_unix_s) last_to_end = shard;
    const metrics::MergeableData& part = *shard->metrics.mergeable;
    merged.interrupted = merged.interrupted || shard->interrupted;
    merged.workers += shard->workers;
    m.client_limited = m.client_limited || shard->metrics.client_limited;
    data.window_start_unix_s = std::min(data.window_start_unix_s, part.window_start_unix_s);
    data.window_end_unix_s = std::max(data.window_end_unix_s, part.window_end_unix_s);
    data.concurrency_integral_s += part.concurrency_integral_s;
    m.concurrency.max += shard->metrics.concurrency.max;
  }
  // The union's end is the end of the shard that ended last: its duration plus how much later it
  // started than the first. Unix times are doubles good to a quarter microsecond; shards started
  // together (run.start_at) give that shard's duration exactly.
  m.duration_s = std::max(0.0, last_to_end->metrics.mergeable->window_start_unix_s -
                                   data.window_start_unix_s + last_to_end->metrics.duration_s);
  m.requests = sum_requests(shards);
  merge_errors(shards, m);
  m.output_tokens_source = combined_token_source(shards);
  merge_distributions(shards, m, data);

  const double output_tokens = histogram_named(data, "output_tokens").sum();
  const double prompt_tokens = histogram_named(data, "prompt_tokens").sum();
  m.throughput.requests_per_s =
      per_second(static_cast<double>(m.requests.successful), m.duration_s);
  m.throughput.sent_requests_per_s =
      per_second(static_cast<double>(m.send_lag_ms.count), m.duration_s);
  m.throughput.output_tokens_per_s = per_second(output_tokens, m.duration_s);
  m.throughput.total_tokens_per_s = per_second(prompt_tokens + output_tokens, m.duration_s);
  m.concurrency.mean = per_second(data.concurrency_integral_s, m.duration_s);
  m.concurrency.max_is_upper_bound = shards.size() > 1;
  m.has_timeline = false;
  m.goodput = merge_goodput(shards, m);
  m.mergeable = std::move(data);
  return merged;
}

}  // namespace llmpace::report
