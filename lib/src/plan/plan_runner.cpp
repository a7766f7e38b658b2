#include "llmpace/plan/plan_runner.hpp"

#include <fmt/format.h>

#include <memory>

#include "llmpace/core/version.hpp"
#include "llmpace/engine/runner.hpp"
#include "llmpace/plan/host_info.hpp"
#include "llmpace/plan/prompt_setup.hpp"
#include "llmpace/profile/sweep.hpp"
#include "llmpace/sim/sim_server.hpp"

namespace llmpace::plan {
namespace {

/// Runs every benchmark of the plan into `run_report`, a sweep's rate stages once its first two
/// stages have measured the rates; stops starting benchmarks once a signal interrupted one.
void run_stages(engine::Runner& runner, const RunPlan& plan, PlanObserver& observer,
                report::Report& run_report) {
  const profile::ProfilePlan& profiles = plan.profiles;
  auto run_stage = [&](const profile::ProfileSpec& spec) {
    metrics::BenchmarkResult result = runner.run(spec);
    result.slo = plan.slo;
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
    observer.on_note("sweep stopped: no request succeeded in its first stages", true);
    return;
  }
  for (double rate :
       profile::sweep_rates(synchronous_rate, throughput_rate, profiles.sweep->benchmark_count)) {
    if (runner.interrupted()) return;
    run_stage(profile::sweep_stage(profiles, rate));
  }
}

}  // namespace

report::Report run_plan(RunPlan& plan, PlanObserver& observer) {
  // Target "sim": the built-in simulator, in-process on an ephemeral loopback port.
  std::unique_ptr<sim::SimServer> simulator;
  if (plan.embedded_sim) {
    simulator = std::make_unique<sim::SimServer>(*plan.embedded_sim);
    simulator->start();
    plan.target.client.base_url = http::parse_url(simulator->base_url());
  }
  if (plan.target.model.empty()) {
    plan.target.model = engine::discover_model(plan.target.client, plan.target.tls_context);
  }
  const NoteSink note = [&observer](std::string_view text, bool warning) {
    observer.on_note(text, warning);
  };
  const auto prompts = build_prompt_source(plan.workload, plan.target, note);

  report::Report run_report;
  run_report.llmpace_version = std::string(kVersion);
  run_report.created_at = plan.created_at;
  run_report.host = host_info();
  run_report.run = plan.run_config;
  run_report.run["model"] = plan.target.model;
  run_report.run["workload"] = prompts->describe();
  ResolvedScenario scenario = resolved_scenario(plan);
  run_report.run["scenario"] = std::move(scenario.settings);
  run_report.run["scenario_omitted"] = std::move(scenario.omitted);

  const std::size_t benchmark_count = plan.profiles.benchmark_count();
  engine::RunnerOptions options;
  options.threads = plan.threads;
  options.on_start = [&](const profile::ProfileSpec& spec) {
    observer.on_benchmark_start(run_report.benchmarks.size(), benchmark_count, spec);
  };
  options.on_progress = [&](const metrics::ProgressSnapshot& snapshot) {
    observer.on_progress(snapshot);
  };
  options.on_record = [&](const metrics::RequestRecord& record, TimePoint start) {
    // On worker threads. The benchmark's position is stable while it runs:
    // run_report.benchmarks grows only between benchmarks.
    observer.on_record(record, start, run_report.benchmarks.size());
  };
  engine::Runner runner(plan.target, prompts, options);
  run_stages(runner, plan, observer, run_report);
  run_report.interrupted = runner.interrupted();
  if (simulator) simulator->stop();
  return run_report;
}

}  // namespace llmpace::plan
