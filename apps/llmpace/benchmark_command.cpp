// `llmpace benchmark`: run a benchmark against a target and report it. The flags (and any
// --scenario file) become RunSettings; the library resolves and runs the plan; this file binds
// flags and prints.
//
// Flag names follow GuideLLM where it has one (--target --model --rate-type --rate --max-seconds
// --max-requests --data --output-path --random-seed --outputs --output-dir --backend-args), with
// clearer aliases (--profile, --output, --seed).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "benchmark_options.hpp"
#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/progress_display.hpp"
#include "llmpace/report/request_log.hpp"
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

/// The console side of a run: start lines, the progress display, notes, and the .jsonl request
/// logs written as requests end (so a crash or Ctrl-C loses nothing done).
class ConsoleObserver final : public plan::PlanObserver {
 public:
  explicit ConsoleObserver(const plan::RunPlan& plan)
      : plan_(plan),
        progress_(stderr, report::choose_progress_mode(plan.quiet, isatty(STDERR_FILENO) == 1)) {
    for (const auto& path : plan.output_paths) {
      if (output_format(path, true) == OutputFormat::jsonl) {
        request_logs_.push_back(std::make_unique<report::RequestLogWriter>(path));
      }
    }
  }

  void on_note(std::string_view text, bool warning) override {
    if (warning) {
      fmt::print(stderr, "llmpace: warning: {}\n", text);
    } else if (!plan_.quiet) {
      fmt::print(stderr, "llmpace: note: {}\n", text);
    }
  }

  void on_benchmark_start(std::size_t index, std::size_t count,
                          const profile::ProfileSpec& spec) override {
    const std::string stage = count > 1 ? fmt::format("[{}/{}] ", index + 1, count) : "";
    label_ = stage + profile::describe(spec);
    if (plan_.quiet) return;
    fmt::print(stderr, "llmpace: {} benchmark of '{}' at {} ({} per benchmark, {} threads)\n",
               label_, plan_.target.model, plan_.target_description,
               plan_.profiles.limits_description, plan_.threads);
  }

  void on_progress(const metrics::ProgressSnapshot& snapshot) override {
    progress_.update(label_, snapshot);
  }

  void on_record(const metrics::RequestRecord& record, TimePoint start,
                 std::size_t benchmark_index) override {
    for (auto& log : request_logs_) log->append(record, start, benchmark_index);  // it locks
  }

  void finish_progress() { progress_.finish(); }

  /// Closes the request logs. RunError if a line of one could not be written.
  void close_logs() {
    for (auto& log : request_logs_) log->close();
  }

 private:
  const plan::RunPlan& plan_;
  report::ProgressDisplay progress_;
  std::string label_;  // the running benchmark's, e.g. "[3/10] constant 4.5 req/s"
  std::vector<std::unique_ptr<report::RequestLogWriter>> request_logs_;
};

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
