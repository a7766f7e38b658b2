// `llmpace benchmark`: run one benchmark against a target and report it.
//
// Flag names follow GuideLLM where it has one (--target --model --rate-type --rate --max-seconds
// --max-requests --data --output-path), with clearer aliases (--profile, --output).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "benchmark_options.hpp"
#include "command.hpp"
#include "host_info.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/version.hpp"
#include "llmpace/engine/runner.hpp"
#include "llmpace/profile/sweep.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/json_writer.hpp"
#include "llmpace/report/progress_display.hpp"
#include "llmpace/report/request_log.hpp"
#include "llmpace/sim/sim_server.hpp"
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

std::string describe(const profile::ProfileSpec& spec) {
  switch (spec.kind) {
    case profile::ProfileKind::synchronous:
      return "synchronous";
    case profile::ProfileKind::concurrent:
      return fmt::format("concurrent ({} streams)", spec.streams);
    case profile::ProfileKind::throughput:
      return fmt::format("throughput (up to {} in flight)", spec.concurrency_cap().value_or(0));
    case profile::ProfileKind::constant:
    case profile::ProfileKind::poisson:
      return fmt::format("{} {:.4g} req/s", profile::to_string(spec.kind), spec.rate_per_s);
    case profile::ProfileKind::replay:
      return fmt::format("replay of {} timed requests",
                         spec.replay_offsets ? spec.replay_offsets->size() : 0);
  }
  return "";
}

/// Runs every benchmark of the plan into `run_report`, a sweep's rate stages once its first two
/// stages have measured the rates; stops starting benchmarks once a signal interrupted one.
void run_stages(engine::Runner& runner, const ProfilePlan& profiles, const metrics::Slo& slo,
                report::Report& run_report) {
  auto run_stage = [&](const profile::ProfileSpec& spec) {
    metrics::BenchmarkResult result = runner.run(spec);
    result.slo = slo;
    run_report.benchmarks.push_back(report::make_benchmark_report(result));
  };
  for (const auto& spec : profiles.benchmarks) {
    if (runner.interrupted()) return;
    run_stage(spec);
  }
  if (!profiles.sweep || runner.interrupted()) return;
  // GuideLLM's sweep: the rate stages lie between what synchronous and throughput achieved.
  const double synchronous_rate = run_report.benchmarks[0].metrics.throughput.requests_per_s;
  const double throughput_rate = run_report.benchmarks[1].metrics.throughput.requests_per_s;
  if (synchronous_rate <= 0 || throughput_rate <= 0) {
    fmt::print(stderr, "llmpace: sweep stopped: no request succeeded in its first stages\n");
    return;
  }
  for (double rate :
       profile::sweep_rates(synchronous_rate, throughput_rate, profiles.sweep->benchmark_count)) {
    if (runner.interrupted()) return;
    run_stage(sweep_stage(profiles, rate));
  }
}

int run_benchmark(BenchmarkOptions& options) {
  ResolvedBenchmark plan = resolve_benchmark_options(options);  // ConfigError on bad input
  ensure_outputs_writable(plan.output_paths, /*allow_request_log=*/true);

  // --target sim: the built-in simulator, in-process on an ephemeral loopback port.
  std::unique_ptr<sim::SimServer> simulator;
  if (plan.embedded_sim) {
    simulator = std::make_unique<sim::SimServer>(*plan.embedded_sim);
    simulator->start();
    plan.target.client.base_url = http::parse_url(simulator->base_url());
  }

  if (plan.target.model.empty()) {
    plan.target.model = engine::discover_model(plan.target.client, plan.target.tls_context);
  }
  plan.run_config["model"] = plan.target.model;
  const auto prompts = build_prompt_source(plan.workload, plan.target, plan.quiet);
  plan.run_config["workload"] = prompts->describe();

  report::Report run_report;
  run_report.llmpace_version = std::string(kVersion);
  run_report.created_at = plan.created_at;
  run_report.host = host_info();
  run_report.run = plan.run_config;

  const ProfilePlan& profiles = plan.profiles;
  const std::size_t stage_count = profiles.sweep
                                      ? static_cast<std::size_t>(profiles.sweep->benchmark_count)
                                      : profiles.benchmarks.size();
  report::ProgressDisplay progress(
      stderr, report::choose_progress_mode(plan.quiet, isatty(STDERR_FILENO) == 1));
  std::string progress_label;  // the running benchmark's, e.g. "[3/10] constant 4.5 req/s"
  engine::RunnerOptions runner_options;
  runner_options.threads = plan.threads;
  runner_options.on_start = [&](const profile::ProfileSpec& spec) {
    const std::size_t stage = run_report.benchmarks.size() + 1;
    const std::string stage_text =
        stage_count > 1 ? fmt::format("[{}/{}] ", stage, stage_count) : "";
    progress_label = stage_text + describe(spec);
    if (plan.quiet) return;
    fmt::print(stderr, "llmpace: {}{} benchmark of '{}' at {} ({} per benchmark, {} threads)\n",
               stage_text, describe(spec), plan.target.model, plan.target_description,
               profiles.limits_description, plan.threads);
  };
  runner_options.on_progress = [&](const metrics::ProgressSnapshot& snapshot) {
    progress.update(progress_label, snapshot);
  };
  // --output FILE.jsonl: every request as it ends, so a crash or Ctrl-C loses nothing done.
  std::vector<std::unique_ptr<report::RequestLogWriter>> request_logs;
  for (const auto& path : plan.output_paths) {
    if (output_format(path, true) == OutputFormat::jsonl) {
      request_logs.push_back(std::make_unique<report::RequestLogWriter>(path));
    }
  }
  if (!request_logs.empty()) {
    runner_options.on_record = [&](const metrics::RequestRecord& record, TimePoint start) {
      // Called on worker threads; the writer locks. The benchmark's position is stable while it
      // runs: run_report.benchmarks grows only between benchmarks.
      const std::size_t benchmark_index = run_report.benchmarks.size();  // 0-based
      for (auto& log : request_logs) log->append(record, start, benchmark_index);
    };
  }
  engine::Runner runner(plan.target, prompts, runner_options);
  run_stages(runner, profiles, plan.slo, run_report);
  progress.finish();
  run_report.interrupted = runner.interrupted();
  if (simulator) simulator->stop();

  fmt::print("{}", report::render_console(run_report));
  for (const auto& path : plan.output_paths) {
    write_report_file(path, run_report);
    if (!plan.quiet) fmt::print(stderr, "llmpace: report written to {}\n", path);
  }
  // Last, so that a failed request log never costs the other reports: RunError if a line of it
  // could not be written.
  for (auto& log : request_logs) log->close();

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
