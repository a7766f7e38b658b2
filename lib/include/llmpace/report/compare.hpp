// Comparison of runs: the key metrics of several saved reports side by side, each run's value
// with its ratio to the first run (the baseline), for `llmpace report compare`.
//
// Matching: benchmarks are lined up into rows by what they measured, never by file order alone.
//   - When both runs are sweeps (run.profile "sweep"), a sweep's rates depend on what its first
//     stages measured, so stages are matched by position: stage i with stage i, when their
//     profiles are the same.
//   - Otherwise by profile and rate: the k-th benchmark of a run with a given profile and rate
//     with the k-th of another run with the same profile and rate (so `--rate 2,4` and
//     `--rate 4,8` share the rate-4 row).
// Rows follow the baseline's benchmarks in order, then every benchmark no earlier run had, in
// run order; a row lists which runs have it, so unmatched benchmarks are shown too.
//
// Key metrics, in this order and named as the report CSV's columns: requests_per_s,
// output_tokens_per_s, ttft_ms p50/p99, itl_ms p50/p99, itl_mean_ms p50, tpot_ms p50/p99,
// latency_ms p50/p99, requests_errored, and goodput_fraction when a run of the row has goodput;
// then the footprint from the server's and GPUs' metrics, each when a run of the row has it:
// server_kv_cache_usage_max, server_kv_capacity_tokens, server_generation_tokens_per_s,
// gpu_fb_used_mib_max (summed over the GPUs), gpu_util_percent_mean (mean over the GPUs),
// gpu_power_w_mean (summed over the GPUs).
// A value is missing for a run without the benchmark, for an empty distribution (count 0) and
// for a non-finite number; a ratio is missing when either value is, or the baseline's is 0.
//
// Renderers:
//   console  one block per row, lines `metric  baseline  other  ratio ...`, at most 120 columns
//            (with more than four runs, the others are shown against the baseline four at a time)
//   csv      long format, one row per metric per run: benchmark (1-based row), profile, rate
//            (that run's), metric, run (label), value, ratio_to_baseline; RFC 4180 quoting as the
//            report CSV (csv_writer.hpp), "\n" line ends, empty cells for missing values
//   json     {"baseline", "runs": [...], "benchmarks": [{"benchmark", "profile",
//            "sweep_position", "runs": [per run: null or {"label", "position", "rate",
//            "interrupted", "client_limited"}], "metrics": {name: {"values": [...], "ratios":
//            [...]}}}]}, arrays in run order, null for missing; positions are 1-based
//
// Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/report/labelled_report.hpp"

namespace llmpace::report {

/// One run of a comparison, as its report describes it (empty strings for what it does not say).
struct ComparedRun {
  std::string label;
  std::string llmpace_version;
  std::string created_at;
  std::string target;  // from Report::run
  std::string model;
  std::string api;
};

/// A run's benchmark in a row.
struct ComparedBenchmark {
  std::size_t index = 0;  // 0-based position in the run's report
  std::optional<double> rate;
  bool interrupted = false;
  bool client_limited = false;
};

/// One key metric of a row across runs; both vectors have one entry per run.
struct MetricComparison {
  std::string name;   // "ttft_ms_p50", as the report CSV's column
  std::string label;  // "ttft_ms p50", for the console
  std::vector<std::optional<double>> values;
  std::vector<std::optional<double>> ratios;  // values[i] / values[0]
};

/// One row: the benchmarks of the runs that measured the same thing.
struct BenchmarkComparison {
  ProfileKind profile = ProfileKind::synchronous;
  std::optional<std::size_t> sweep_position;  // 0-based stage, when matched as sweep stages
  std::vector<std::optional<ComparedBenchmark>> runs;  // one per run; nullopt: not in that run
  std::vector<MetricComparison> metrics;
};

struct Comparison {
  std::vector<ComparedRun> runs;  // the baseline first
  std::vector<BenchmarkComparison> benchmarks;
};

/// The key metrics' names, in order ("requests_per_s", "ttft_ms_p50", ...).
std::vector<std::string_view> key_metric_names();

/// Lines up the benchmarks of `runs` (the first is the baseline) and computes the key metrics.
Comparison compare_reports(const std::vector<LabelledReport>& runs);

std::string render_compare_console(const Comparison& comparison);
std::string render_compare_csv(const Comparison& comparison);
nlohmann::json compare_to_json(const Comparison& comparison);

}  // namespace llmpace::report
