// Report: the one model every output writer renders. Writers are pure functions of it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/profile_kind.hpp"
#include "llmpace/metrics/benchmark_result.hpp"

namespace llmpace::report {

inline constexpr int kSchemaVersion = 2;

struct BenchmarkReport {
  ProfileKind profile = ProfileKind::synchronous;
  std::optional<double> rate;
  bool interrupted = false;
  std::string stop_reason;  // metrics::to_string(StopReason)
  int workers = 1;
  metrics::BenchmarkMetrics metrics;
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
};

/// Builds a BenchmarkReport from a raw result (computes its metrics).
BenchmarkReport make_benchmark_report(const metrics::BenchmarkResult& result);

}  // namespace llmpace::report
