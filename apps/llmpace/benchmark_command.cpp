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
#include <optional>
#include <string>

#include "benchmark_options.hpp"
#include "command.hpp"
#include "console_observer.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/plan/observer_list.hpp"
#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/prom/live_metrics.hpp"
#include "llmpace/prom/push.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/report_text.hpp"
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

/// Pushes the report to --push-gateway; a failure is a warning (the report files are written).
void push_to_gateway(const http::Url& gateway, const plan::RunPlan& plan,
                     const std::string& scenario_path, const report::Report& run_report) {
  const prom::Grouping grouping = prom::adhoc_grouping(plan.target.model, scenario_path);
  prom::RunInfo info;
  info.model = plan.target.model;
  try {
    const prom::PushResult pushed =
        prom::push_report(gateway, grouping, run_report, info, prom::unix_time_now());
    if (!plan.quiet) fmt::print(stderr, "llmpace: pushed to {}\n", pushed.url);
  } catch (const RunError& error) {
    fmt::print(stderr, "llmpace: warning: {}\n", error.what());
  }
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
  std::optional<http::Url> gateway;
  if (!options.push_gateway.empty()) {
    try {
      gateway = prom::parse_push_gateway(options.push_gateway);
    } catch (const ConfigError& error) {
      throw ConfigError(fmt::format("--push-gateway: {}", error.what()));
    }
  }
  std::optional<prom::LiveMetrics> live;
  if (options.metrics_port) {
    try {
      live.emplace().start(options.metrics_address, *options.metrics_port);
    } catch (const ConfigError& error) {
      throw ConfigError(fmt::format("--metrics-port: {}", error.what()));
    }
    if (!plan.quiet) fmt::print(stderr, "llmpace: live metrics on {}\n", live->url());
    live->begin_run(prom::adhoc_grouping("", options.scenario_path), plan);
  }

  ConsoleObserver observer(plan);
  plan::ObserverList observers{&observer, live ? &*live : nullptr};
  const report::Report run_report = plan::run_plan(plan, observers);
  observer.finish_progress();
  if (live) live->end_run();

  fmt::print("{}", report::render_console(run_report));
  for (const auto& path : plan.output_paths) {
    write_report_file(path, run_report);
    if (!plan.quiet) fmt::print(stderr, "llmpace: report written to {}\n", path);
  }
  if (gateway) push_to_gateway(*gateway, plan, options.scenario_path, run_report);
  // Last, so that a failed request log never costs the other reports.
  observer.close_logs();

  if (run_report.interrupted) {
    fmt::print(stderr, "llmpace: interrupted; the report holds what completed\n");
    return kExitInterrupted;
  }
  if (successful_requests(run_report) == 0) {
    throw RunError(fmt::format("no request succeeded ({})", report::run_errors_text(run_report)));
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
