// merge_benchmarks(): the arithmetic of report_merge.hpp for one benchmark position — the same
// benchmark of every shard, in shard order, into one. The checks (same run, same profile and
// rate, mergeable data present, equal precision, overlapping windows) are the caller's.
//
// Pure; safe from any thread.
#pragma once

#include <vector>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// `shards` in shard-index order, each with metrics.mergeable set. Throws ConfigError when their
/// goodput SLOs differ (one with an SLO, one without, or different objectives).
BenchmarkReport merge_benchmarks(const std::vector<const BenchmarkReport*>& shards);

/// The summary of `merged` (the union of the parts' samples): count, mean, minimum and maximum
/// exact from the histogram, percentiles from it (within its relative error), the population
/// standard deviation exact from the parts' counts, means and deviations (Chan et al.).
metrics::DistributionSummary merged_summary(const metrics::LogHistogram& merged,
                                            const std::vector<metrics::DistributionSummary>& parts);

}  // namespace llmpace::report
