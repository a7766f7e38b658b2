// `llmpace suite run SUITE.yaml`: every scenario of a suite against every variant, in order, into
// one run directory (docs/suites.md):
//
//   DIR/<suite>/<UTC time>/<variant>/<scenario>.{json,csv,html,jsonl}
//   DIR/<suite>/<UTC time>/compare-<scenario>.{txt,csv,html}   (when two or more variants ran it)
//   DIR/<suite>/<UTC time>/summary.json
//   DIR/<suite>/latest -> <UTC time>
//
// Every file and setting of every run is read and resolved before the first request, so a
// mistake costs nothing (exit 2). A variant that fails does not stop the others. With --baseline,
// each report is checked against the baseline run's with the suite's tolerances (exit 3).
// The suite's logic (merging, regressions, summary, directories) is the library's (suite/); this
// file runs it and writes files.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "console_observer.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/setting_error.hpp"
#include "llmpace/plan/observer_list.hpp"
#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/prom/grouping.hpp"
#include "llmpace/prom/live_metrics.hpp"
#include "llmpace/prom/push.hpp"
#include "llmpace/report/compare.hpp"
#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/report_text.hpp"
#include "llmpace/scenario/scenario_file.hpp"
#include "llmpace/scenario/suite_file.hpp"
#include "llmpace/suite/regression.hpp"
#include "llmpace/suite/run_directory.hpp"
#include "llmpace/suite/suite_jobs.hpp"
#include "llmpace/suite/suite_summary.hpp"
#include "output_files.hpp"

namespace llmpace::app {
namespace {

namespace fs = std::filesystem;

struct SuiteFlags {
  std::string suite_path;
  std::string output_dir = "results";
  std::string baseline;  // a run directory, or "previous"
  suite::SuiteSelection selection;
  std::string push_gateway;  // a Pushgateway URL: each run's report is pushed there
  std::optional<std::uint16_t> metrics_port;  // live metrics while the suite runs
  std::string metrics_address{prom::kDefaultMetricsAddress};
  bool dry_run = false;
  bool quiet = false;
};

/// Where the results go besides the files, set up before the first run.
struct Exports {
  std::optional<http::Url> gateway;
  std::optional<prom::LiveMetrics> live;
};

/// The report formats every run writes; the request log is streamed while it runs.
constexpr std::string_view kReportExtensions[] = {".json", ".csv", ".html", ".jsonl"};

struct PlannedJob {
  suite::SuiteJob job;
  plan::RunPlan plan;
};

std::string relative_output(const suite::SuiteJob& job, std::string_view extension) {
  return fmt::format("{}/{}{}", job.variant, job.scenario, extension);
}

/// Resolves every job into a plan, its outputs in `run_dir`. Throws ConfigError naming the line.
std::vector<PlannedJob> plan_jobs(std::vector<suite::SuiteJob> jobs, const fs::path& run_dir,
                                  bool quiet) {
  std::vector<PlannedJob> planned;
  for (suite::SuiteJob& job : jobs) {
    scenario::RunSettings settings = job.settings;
    settings.output.emplace();
    for (const std::string_view extension : kReportExtensions) {
      settings.output->push_back((run_dir / relative_output(job, extension)).string());
    }
    if (quiet) settings.quiet = true;
    try {
      planned.push_back({job, plan::resolve_run_plan(settings)});
    } catch (const SettingError& error) {
      const std::string prefix = fmt::format("{}/{}: ", job.variant, job.scenario);
      const auto origin = [&job](std::string_view key) -> std::string {
        if (key.empty()) return job.suite_path;
        return fmt::format("{}: {}", job.origin(key), key);
      };
      throw ConfigError(
          prefix + error.render(origin, [](std::string_view key) { return std::string(key); }));
    }
  }
  return planned;
}

/// The baseline directory --baseline names; nullopt for "previous" when there is none yet.
std::optional<fs::path> baseline_directory(const SuiteFlags& flags, const fs::path& suite_dir,
                                           const fs::path& run_dir) {
  if (flags.baseline.empty()) return std::nullopt;
  if (flags.baseline == "previous") return suite::previous_run(suite_dir, run_dir);
  const fs::path dir(flags.baseline);
  if (!fs::is_directory(dir)) {
    throw ConfigError(
        fmt::format("--baseline '{}': not a directory (a suite run's directory, "
                    "or 'previous')",
                    flags.baseline));
  }
  return dir;
}

void print_dry_run(const scenario::SuiteFile& suite, const std::vector<PlannedJob>& jobs,
                   const fs::path& run_dir, const SuiteFlags& flags,
                   const std::optional<fs::path>& baseline) {
  fmt::print("suite {} ({}): {} runs, nothing sent (--dry-run)\n", suite.name, suite.path,
             jobs.size());
  if (!suite.description.empty()) fmt::print("  {}\n", suite.description);
  fmt::print("  run directory: {}\n", run_dir.string());
  if (!flags.baseline.empty()) {
    fmt::print("  baseline: {}\n",
               baseline ? baseline->string() : "none yet (no earlier finished run)");
  }
  for (const PlannedJob& planned : jobs) {
    const plan::RunPlan& plan = planned.plan;
    const scenario::RunSettings& settings = plan.settings;
    std::string target = plan.target_description;
    if (plan.embedded_sim && settings.sim_preset)
      target += " (preset " + *settings.sim_preset + ")";
    const std::size_t count = plan.profiles.benchmarks.size();
    fmt::print("  {}/{}: {}{} ({} benchmark{}) against {}, model {}, {} per benchmark\n",
               planned.job.variant, planned.job.scenario, settings.profile.value_or("?"),
               settings.rate ? " " + *settings.rate : "", count, count == 1 ? "" : "s", target,
               plan.target.model.empty() ? "asked of the server" : "'" + plan.target.model + "'",
               plan.profiles.limits_description);
  }
}

/// Checks one run's report against the baseline run's report of the same variant and scenario.
void check_baseline(const scenario::SuiteFile& suite, const fs::path& baseline_dir,
                    suite::JobOutcome& outcome) {
  const fs::path file = baseline_dir / fmt::format("{}/{}.json", outcome.variant, outcome.scenario);
  if (!fs::exists(file)) {
    outcome.baseline_note = fmt::format("no {} in the baseline", file.string());
    return;
  }
  try {
    const report::Report baseline = report::read_report_file(file.string());
    outcome.baseline_file = file.string();
    outcome.regression = suite::find_regressions(suite.regression, baseline, *outcome.report);
    if (outcome.regression.compared == 0) {
      outcome.baseline_note = "no benchmark of the baseline matched one of this run";
    }
  } catch (const ConfigError& error) {
    outcome.baseline_note = fmt::format("cannot read the baseline: {}", error.what());
  }
}

/// Pushes one run's report; a failure is a warning (its files are written).
void push(const scenario::SuiteFile& suite, const PlannedJob& planned,
          const prom::Grouping& grouping, const report::Report& run_report,
          const http::Url& gateway) {
  prom::RunInfo info;
  info.model = planned.plan.target.model;
  info.labels = suite.variants.at(planned.job.variant_index).labels;
  try {
    const prom::PushResult pushed =
        prom::push_report(gateway, grouping, run_report, info, prom::unix_time_now());
    if (!planned.plan.quiet) fmt::print(stderr, "llmpace: pushed to {}\n", pushed.url);
  } catch (const std::exception& error) {  // RunError (gateway), ConfigError (labels)
    fmt::print(stderr, "llmpace: warning: {}\n", error.what());
  }
}

/// The --push-gateway URL, checked. Throws ConfigError.
std::optional<http::Url> gateway_of(const SuiteFlags& flags) {
  if (flags.push_gateway.empty()) return std::nullopt;
  try {
    return prom::parse_push_gateway(flags.push_gateway);
  } catch (const ConfigError& error) {
    throw ConfigError(fmt::format("--push-gateway: {}", error.what()));
  }
}

/// Checks --push-gateway and starts --metrics-port, before the first run. Throws ConfigError.
void start_exports(const SuiteFlags& flags, Exports& exports) {
  exports.gateway = gateway_of(flags);
  if (flags.metrics_port) {
    try {
      exports.live.emplace().start(flags.metrics_address, *flags.metrics_port);
    } catch (const ConfigError& error) {
      throw ConfigError(fmt::format("--metrics-port: {}", error.what()));
    }
    if (!flags.quiet) fmt::print(stderr, "llmpace: live metrics on {}\n", exports.live->url());
  }
}

/// SIGINT and SIGTERM for the whole suite. Registered before the first run, so a signal between
/// runs (writing reports, pushing, starting the next plan) stops the suite at the next job instead
/// of killing the process, and summary.json still says what ran. During a run the engine's own
/// signal_set receives the signal too (Asio delivers it to every set) and ends that run.
///
/// Thread affinity: the suite's thread. Nothing runs its io_context but interrupted()'s poll().
class SuiteInterrupt {
 public:
  SuiteInterrupt() : signals_(io_, SIGINT, SIGTERM) {
    signals_.async_wait([this](const boost::system::error_code& error, int /*signal_number*/) {
      if (!error) interrupted_ = true;
    });
  }

  /// A signal has arrived since the suite started.
  bool interrupted() {
    io_.poll();
    return interrupted_;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  bool interrupted_ = false;
};

/// Runs one planned job, writing its reports. Failures become the outcome's status, never throws.
suite::JobOutcome run_job(const scenario::SuiteFile& suite, PlannedJob& planned,
                          const fs::path& run_dir, Exports& exports) {
  suite::JobOutcome outcome;
  outcome.variant = planned.job.variant;
  outcome.scenario = planned.job.scenario;
  const std::string name = fmt::format("{}/{}", outcome.variant, outcome.scenario);
  try {
    fs::create_directories(run_dir / outcome.variant);
    ConsoleObserver observer(planned.plan, name + " ");
    const prom::Grouping grouping{suite.name, outcome.variant, outcome.scenario};
    if (exports.live) exports.live->begin_run(grouping, planned.plan);
    plan::ObserverList observers{&observer, exports.live ? &*exports.live : nullptr};
    report::Report run_report = plan::run_plan(planned.plan, observers);
    observer.finish_progress();
    if (exports.live) exports.live->end_run();
    for (const std::string& path : planned.plan.output_paths) {
      write_report_file(path, run_report);
      outcome.files.push_back(fs::relative(path, run_dir).string());
    }
    observer.close_logs();
    if (exports.gateway) push(suite, planned, grouping, run_report, *exports.gateway);
    std::size_t successful = 0;
    for (const auto& benchmark : run_report.benchmarks) {
      successful += benchmark.metrics.requests.successful;
    }
    if (run_report.interrupted) {
      outcome.status = suite::JobStatus::interrupted;
    } else if (successful == 0) {
      outcome.status = suite::JobStatus::failed;
      outcome.error = fmt::format("no request succeeded ({})", report::run_errors_text(run_report));
      // The first error's words say what to fix ("cannot connect to http://...: refused").
      for (const auto& benchmark : run_report.benchmarks) {
        if (benchmark.metrics.errors_by_kind.empty()) continue;
        outcome.error +=
            "; " + report::error_kind_text(benchmark.metrics,
                                           benchmark.metrics.errors_by_kind.begin()->first, 160);
        break;
      }
    } else {
      outcome.status = suite::JobStatus::ok;
    }
    outcome.report = std::move(run_report);
  } catch (const std::exception& error) {  // RunError, ConfigError met at run time, I/O
    outcome.status = suite::JobStatus::failed;
    outcome.error = error.what();
  }
  if (outcome.status == suite::JobStatus::failed) {
    fmt::print(stderr, "llmpace: {} failed: {}; going on with the next\n", name, outcome.error);
  }
  return outcome;
}

/// compare-<scenario>.{txt,csv,html} for each scenario that two or more variants measured.
std::vector<std::string> write_comparisons(const scenario::SuiteFile& suite,
                                           const std::vector<suite::JobOutcome>& outcomes,
                                           const fs::path& run_dir) {
  std::vector<std::string> written;
  for (const scenario::SuiteScenario& entry : suite.scenarios) {
    std::vector<report::LabelledReport> runs;
    for (const suite::JobOutcome& outcome : outcomes) {
      if (outcome.scenario == entry.name && outcome.report) {
        runs.push_back({outcome.variant, *outcome.report});
      }
    }
    if (runs.size() < 2) continue;
    const report::Comparison comparison = report::compare_reports(runs);
    const std::string stem = "compare-" + entry.name;
    write_text_file((run_dir / (stem + ".txt")).string(),
                    report::render_compare_console(comparison));
    write_text_file((run_dir / (stem + ".csv")).string(), report::render_compare_csv(comparison));
    write_text_file((run_dir / (stem + ".html")).string(), report::render_html(runs));
    for (const char* extension : {".txt", ".csv", ".html"}) written.push_back(stem + extension);
  }
  return written;
}

int run_suite(const SuiteFlags& flags) {
  const scenario::SuiteFile suite = scenario::read_suite_file(flags.suite_path);
  std::vector<scenario::ScenarioFile> scenario_files;
  for (const scenario::SuiteScenario& entry : suite.scenarios) {
    try {
      scenario_files.push_back(scenario::read_scenario_file(entry.path));
    } catch (const ConfigError& error) {
      throw ConfigError(
          fmt::format("{}: scenario {}: {}", suite.at(entry.line), entry.name, error.what()));
    }
  }
  const auto started = std::chrono::system_clock::now();
  const fs::path suite_dir = fs::path(flags.output_dir) / suite.name;
  const fs::path planned_dir = suite_dir / suite::run_directory_name(started);
  std::vector<PlannedJob> jobs = plan_jobs(
      suite::plan_suite_jobs(suite, scenario_files, flags.selection), planned_dir, flags.quiet);

  if (flags.dry_run) {
    (void)gateway_of(flags);
    print_dry_run(suite, jobs, planned_dir, flags,
                  baseline_directory(flags, suite_dir, planned_dir));
    return kExitOk;
  }
  SuiteInterrupt interrupt;
  Exports exports;
  start_exports(flags, exports);

  const fs::path run_dir = suite::make_run_directory(suite_dir, started);
  if (run_dir != planned_dir)
    jobs = plan_jobs(suite::plan_suite_jobs(suite, scenario_files, flags.selection), run_dir,
                     flags.quiet);
  const std::optional<fs::path> baseline = baseline_directory(flags, suite_dir, run_dir);

  suite::SuiteRun run;
  run.started_at = suite::iso8601_utc(started);
  run.run_directory = run_dir.filename().string();
  if (!flags.baseline.empty()) run.baseline = baseline ? baseline->string() : "none";

  std::vector<suite::JobOutcome> outcomes;
  for (PlannedJob& planned : jobs) {
    if (interrupt.interrupted()) run.interrupted = true;
    if (run.interrupted) {
      suite::JobOutcome not_run;  // status not_run
      not_run.variant = planned.job.variant;
      not_run.scenario = planned.job.scenario;
      outcomes.push_back(std::move(not_run));
      continue;
    }
    suite::JobOutcome outcome = run_job(suite, planned, run_dir, exports);
    if (outcome.status == suite::JobStatus::interrupted) run.interrupted = true;
    if (outcome.report && !flags.baseline.empty()) {
      if (baseline) {
        check_baseline(suite, *baseline, outcome);
      } else {
        outcome.baseline_note = "no earlier finished run of this suite: nothing to compare";
      }
    }
    outcomes.push_back(std::move(outcome));
  }

  if (interrupt.interrupted()) run.interrupted = true;  // a signal after the last job
  run.comparison_files = write_comparisons(suite, outcomes, run_dir);
  run.finished_at = suite::iso8601_utc(std::chrono::system_clock::now());
  write_text_file((run_dir / "summary.json").string(),
                  suite::suite_summary(suite, run, outcomes)
                          .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n");
  suite::point_latest(suite_dir, run_dir);
  fmt::print("{}", suite::render_suite_outcome(suite, run, outcomes));
  fmt::print(stderr, "llmpace: suite written to {}\n", run_dir.string());
  return suite::suite_exit_code(run, outcomes);
}

}  // namespace

Command add_suite_command(CLI::App& parent) {
  auto flags = std::make_shared<SuiteFlags>();
  CLI::App* cli = parent.add_subcommand(
      "suite", "Run a suite: several scenarios against several variants of a server");
  cli->require_subcommand(1);
  CLI::App* run = cli->add_subcommand(
      "run", "Run every scenario of SUITE.yaml against every variant, in order (docs/suites.md)");
  run->add_option("suite", flags->suite_path, "The suite file (YAML)")->required();
  run->add_option("--output-dir", flags->output_dir,
                  "Where runs go: DIR/<suite>/<UTC time>/ and DIR/<suite>/latest")
      ->capture_default_str();
  run->add_option("--baseline", flags->baseline,
                  "A run directory, or 'previous' (the newest earlier run): regressions beyond "
                  "the suite's tolerances exit with 3");
  run->add_option("--variant", flags->selection.variants, "Run only this variant (repeatable)");
  run->add_option("--scenario", flags->selection.scenarios, "Run only this scenario (repeatable)");
  run->add_option("--push-gateway", flags->push_gateway,
                  "Push each run's results to this Prometheus Pushgateway (docs/prometheus.md)");
  run->add_option("--metrics-port", flags->metrics_port,
                  "Serve the running benchmark's live metrics on this port's /metrics");
  run->add_option("--metrics-address", flags->metrics_address,
                  "Address for --metrics-port (an IPv4 literal)")
      ->capture_default_str();
  run->add_flag("--dry-run", flags->dry_run,
                "Read and resolve everything, print the runs, send nothing");
  run->add_flag("--quiet", flags->quiet, "No progress display and no notes");
  return {cli, [flags] { return run_suite(*flags); }};
}

}  // namespace llmpace::app
