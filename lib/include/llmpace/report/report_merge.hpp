// Merging the reports of the shards of one run (`llmpace report merge`, docs/scale-out.md): N
// processes each sent a share of one benchmark's requests (`--shard I/N`) and wrote its own
// report; merge_shard_reports() makes the report of the whole run from them.
//
// Exact: request, error and token counts, goodput, means, standard deviations, minima and maxima,
// the window (the union of the shards' wall-clock windows, on which every rate is taken) and the
// mean concurrency (summed integrals over it). Within the histograms' stated relative error
// (LogHistogram::relative_error(), 2^-10 by default): the percentiles. An upper bound:
// concurrency.max (the sum of the shards' maxima). Not merged: timelines, telemetry, diagnoses,
// settle waits. The report's `merge` object records the shards, the error and all of this.
//
// Pure; safe from any thread. Errors are ConfigError with one line naming the offending reports.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// One shard's report and its file, which names it in messages and in the merged `merge.shards`.
struct ShardReport {
  std::string file;
  Report report;
};

/// Which shard of how many a report's run was: its `run.shard` ({"index": I, "count": N}); a run
/// without one is shard 0 of 1.
struct ShardPosition {
  std::size_t index = 0;
  std::size_t count = 1;
};

/// The position of `report`; throws ConfigError naming `file` when run.shard is malformed.
ShardPosition shard_position(const Report& report, std::string_view file);

/// The report of the whole run. Refuses (ConfigError) no shards, a report without the mergeable
/// data (written by an older llmpace), runs that differ other than in run.shard, different shard
/// counts, a shard index given twice or missing, different benchmarks (number, profile, rate),
/// histograms of different precision, benchmark windows that do not overlap in time.
Report merge_shard_reports(const std::vector<ShardReport>& shards);

}  // namespace llmpace::report
