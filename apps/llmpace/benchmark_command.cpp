// `llmpace benchmark`: run a benchmark against a target and report it. The flags (and any
// --scenario file) become RunSettings; the library resolves and runs the plan; this file binds
// flags and prints.
//
// Flag names follow GuideLLM where it has one (--target --model --rate-type --rate --max-seconds
// --max-requests --data --output-path --random-seed --outputs --output-dir --backend-args), with
// clearer aliases (--profile, --output, --seed).
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "benchmark_options.hpp"
#include "command.hpp"
#include "console_observer.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/report/console_writer.hpp"
#include "output_files.hpp"

namespace llmpace::app {
namespace {

/// Total successful requests across benchmarks; a run that measured nothing exits with 1.
std::size_t successful_requests(const report::Report& run_report) {
  std::size_t total = 0;
  for (const auto& benchmark : run_report.benchmarks) {
    total += benchmark.metrics.requests.successful;
  }
  return total;
}

std::string error_summary(const report::Report& run_report) {
  std::map<std::string, std::size_t> errors;
  for (const auto& benchmark : run_report.benchmarks) {
    for (const auto& [kind, count] : benchmark.metrics.errors_by_kind) errors[kind] += count;
  }
  std::string text;
  for (const auto& [kind, count] : errors) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, kind);
  }
  return text.empty() ? "no request completed" : text;
}

int run_benchmark(const BenchmarkOptions& options) {
  const GivenSettings given = gather_settings(options);  // ConfigError on a bad file
  plan::RunPlan plan;
  try {
    plan = plan::resolve_run_plan(given.settings);
  } catch (const SettingError& error) {
    throw ConfigError(given.describe(error));
  }
  ensure_outputs_writable(plan.output_paths, /*allow_request_log=*/true);

  ConsoleObserver observer(plan);
  const report::Report run_report = plan::run_plan(plan, observer);
  observer.finish_progress();

  fmt::print("{}", report::render_console(run_report));
  for (const auto& path : plan.output_paths) {
    write_report_file(path, run_report);
    if (!plan.quiet) fmt::print(stderr, "llmpace: report written to {}\n", path);
  }
  // Last, so that a failed request log never costs the other reports.
  observer.close_logs();

  if (run_report.interrupted) {
    fmt::print(stderr, "llmpace: interrupted; the report holds what completed\n");
    return kExitInterrupted;
  }
  if (successful_requests(run_report) == 0) {
    throw RunError(fmt::format("no request succeeded ({})", error_summary(run_report)));
  }
  return kExitOk;
}

}  // namespace

Command add_benchmark_command(CLI::App& parent) {
  auto options = std::make_shared<BenchmarkOptions>();
  CLI::App* cli = parent.add_subcommand(
      "benchmark",
      "Run a benchmark against an OpenAI-compatible server (or the built-in simulator)");
  add_benchmark_flags(*cli, *options);
  return {cli, [options] { return run_benchmark(*options); }};
}

}  // namespace llmpace::app
