// Report: the one model every output writer renders. Writers are pure functions of it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/metrics/benchmark_result.hpp"
#include "llmpace/telemetry/diagnosis.hpp"
#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::report {

inline constexpr int kSchemaVersion = 2;

/// How the run waited, before a benchmark, for the server to finish the work of the one before
/// (docs/telemetry.md "Between benchmarks").
struct Settle {
  std::string method;   // "server_idle" (its metrics showed no request running or waiting),
                        // "pause" (no such metrics: the settle pause) or "shard_start" (a shard
                        // but 0 of a run with a start file: it waited for shard 0's start)
  bool reached = true;  // server_idle: it was idle before the settle timeout
  double waited_s = 0.0;
  double busy_at_end = 0;  // server_idle, not reached: requests running + waiting at the timeout
  /// A sharded run with a start file: how long after the shards' common instant this shard began
  /// the benchmark (its wall clock's view). Nullopt otherwise.
  std::optional<double> start_late_ms = std::nullopt;
};

struct BenchmarkReport {
  ProfileKind profile = ProfileKind::synchronous;
  std::optional<double> rate;
  bool interrupted = false;
  std::string stop_reason;  // metrics::to_string(StopReason)
  int workers = 1;
  metrics::BenchmarkMetrics metrics;
  std::optional<Settle> settle;  // every benchmark but the first of a run
  /// The server's and GPUs' metrics during the benchmark; absent in reports written before
  /// telemetry existed.
  std::optional<telemetry::TelemetrySummary> telemetry;
  /// Which wall the server hit, if any (docs/diagnosis.md); absent in older reports.
  std::optional<telemetry::Diagnosis> diagnosis;
};

struct Report {
  std::string llmpace_version;
  std::string created_at;  // ISO 8601 UTC wall-clock time the run started
  /// The run's configuration as the user gave it, already free of secrets (the api key is never
  /// put here; headers are listed by name only).
  nlohmann::json run;
  /// The machine that ran the client (hostname, os, kernel, machine, cpus, cpu_model); {} when
  /// unknown.
  nlohmann::json host;
  std::vector<BenchmarkReport> benchmarks;
  bool interrupted = false;
  /// Across the benchmarks of a sweep (or a list of rates): the knee and the first wall.
  std::optional<telemetry::SweepDiagnosis> sweep_diagnosis;
  /// A report merged from shard reports (report_merge.hpp): the shards merged, the stated error
  /// of its percentiles, what was assumed and what was left out. Null otherwise.
  nlohmann::json merge;
};

/// Builds a BenchmarkReport from a raw result (computes its metrics).
BenchmarkReport make_benchmark_report(const metrics::BenchmarkResult& result);

}  // namespace llmpace::report
