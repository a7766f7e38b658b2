// See suite_summary.hpp.
#include "llmpace/suite/suite_summary.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "llmpace/core/error.hpp"
#include "llmpace/core/version.hpp"
#include "llmpace/report/compare.hpp"
#include "llmpace/telemetry/diagnosis.hpp"
#include "llmpace/telemetry/diagnosis_json.hpp"

namespace llmpace::suite {
namespace {

nlohmann::json or_null(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

/// Every benchmark of `report` with its key figures, as `report compare` names them.
nlohmann::json benchmark_figures(const report::Report& run_report) {
  nlohmann::json benchmarks = nlohmann::json::array();
  const report::Comparison comparison = report::compare_reports({{"run", run_report}});
  for (const report::BenchmarkComparison& row : comparison.benchmarks) {
    if (!row.runs[0]) continue;
    const report::BenchmarkReport& benchmark = run_report.benchmarks[row.runs[0]->index];
    nlohmann::json figures = nlohmann::json::object();
    for (const report::MetricComparison& metric : row.metrics) {
      figures[metric.name] = or_null(metric.values[0]);
    }
    nlohmann::json entry = {
        {"benchmark", row.runs[0]->index + 1},
        {"profile", std::string(to_string(benchmark.profile))},
        {"rate", or_null(benchmark.rate)},
        {"interrupted", benchmark.interrupted},
        {"requests",
         {{"successful", benchmark.metrics.requests.successful},
          {"errored", benchmark.metrics.requests.errored},
          {"incomplete", benchmark.metrics.requests.incomplete}}},
        {"figures", std::move(figures)},
        {"diagnosis", nullptr},
    };
    if (benchmark.diagnosis) {
      entry["diagnosis"] = {{"wall", std::string(telemetry::to_string(benchmark.diagnosis->wall))},
                            {"verdict", benchmark.diagnosis->verdict}};
    }
    benchmarks.push_back(std::move(entry));
  }
  return benchmarks;
}

nlohmann::json regression_json(const Regression& regression) {
  return {{"benchmark", regression.benchmark},
          {"profile", std::string(to_string(regression.profile))},
          {"metric", regression.metric},
          {"baseline", regression.baseline},
          {"current", regression.current},
          {"change_percent", regression.change * 100.0},
          {"tolerance", fmt::format("{}{:g}%", regression.tolerance.rise_is_bad ? '+' : '-',
                                    regression.tolerance.fraction * 100.0)}};
}

std::size_t count(const std::vector<JobOutcome>& outcomes, JobStatus status) {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(),
                    [status](const auto& job) { return job.status == status; }));
}

std::size_t regression_count(const std::vector<JobOutcome>& outcomes) {
  std::size_t total = 0;
  for (const auto& job : outcomes) total += job.regression.regressions.size();
  return total;
}

/// The figure `name` of a report's last benchmark, formatted, or "-".
std::string last_figure(const report::Report& run_report, std::string_view name,
                        std::string_view format) {
  const report::Comparison comparison = report::compare_reports({{"run", run_report}});
  if (comparison.benchmarks.empty()) return "-";
  for (const auto& metric : comparison.benchmarks.back().metrics) {
    if (metric.name == name && metric.values[0]) {
      return fmt::format(fmt::runtime(format), *metric.values[0]);
    }
  }
  return "-";
}

}  // namespace

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::ok:
      return "ok";
    case JobStatus::failed:
      return "failed";
    case JobStatus::interrupted:
      return "interrupted";
    case JobStatus::not_run:
      return "not_run";
  }
  return "failed";
}

nlohmann::json suite_summary(const scenario::SuiteFile& suite, const SuiteRun& run,
                             const std::vector<JobOutcome>& outcomes) {
  nlohmann::json variants = nlohmann::json::array();
  for (const scenario::SuiteVariant& variant : suite.variants) {
    const bool ran = std::any_of(outcomes.begin(), outcomes.end(),
                                 [&](const auto& job) { return job.variant == variant.name; });
    if (!ran) continue;
    const bool failed = std::any_of(outcomes.begin(), outcomes.end(), [&](const auto& job) {
      return job.variant == variant.name && job.status == JobStatus::failed;
    });
    variants.push_back(
        {{"name", variant.name}, {"labels", variant.labels}, {"status", failed ? "failed" : "ok"}});
  }
  nlohmann::json results = nlohmann::json::array();
  nlohmann::json regressions = nlohmann::json::array();
  for (const JobOutcome& job : outcomes) {
    nlohmann::json entry = {
        {"variant", job.variant},
        {"scenario", job.scenario},
        {"status", std::string(to_string(job.status))},
        {"error", job.error.empty() ? nlohmann::json() : nlohmann::json(job.error)},
        {"files", job.files},
        {"model", nullptr},
        {"target", nullptr},
        {"benchmarks", nlohmann::json::array()},
        {"sweep_diagnosis", nullptr}};
    if (job.report) {
      entry["model"] = job.report->run.value("model", "");
      entry["target"] = job.report->run.value("target", "");
      entry["benchmarks"] = benchmark_figures(*job.report);
      if (job.report->sweep_diagnosis) {
        entry["sweep_diagnosis"] = telemetry::diagnosis_to_json(*job.report->sweep_diagnosis);
      }
    }
    if (run.baseline) {
      entry["baseline"] = {
          {"report", job.baseline_file ? nlohmann::json(*job.baseline_file) : nlohmann::json()},
          {"note",
           job.baseline_note.empty() ? nlohmann::json() : nlohmann::json(job.baseline_note)},
          {"compared", job.regression.compared},
          {"regressions", job.regression.regressions.size()}};
    }
    for (const Regression& regression : job.regression.regressions) {
      nlohmann::json item = regression_json(regression);
      item["variant"] = job.variant;
      item["scenario"] = job.scenario;
      regressions.push_back(std::move(item));
    }
    results.push_back(std::move(entry));
  }
  nlohmann::json tolerances = nlohmann::json::object();
  for (const scenario::Tolerance& tolerance : suite.regression) {
    tolerances[tolerance.metric] =
        fmt::format("{}{:g}%", tolerance.rise_is_bad ? '+' : '-', tolerance.fraction * 100.0);
  }
  return {{"suite", suite.name},
          {"description", suite.description},
          {"llmpace_version", std::string(kVersion)},
          {"started_at", run.started_at},
          {"finished_at", run.finished_at},
          {"run_directory", run.run_directory},
          {"interrupted", run.interrupted},
          {"baseline", run.baseline ? nlohmann::json(*run.baseline) : nlohmann::json()},
          {"tolerances", std::move(tolerances)},
          {"variants", std::move(variants)},
          {"results", std::move(results)},
          {"comparisons", run.comparison_files},
          {"regressions", std::move(regressions)},
          {"exit_code", suite_exit_code(run, outcomes)}};
}

std::string render_suite_outcome(const scenario::SuiteFile& suite, const SuiteRun& run,
                                 const std::vector<JobOutcome>& outcomes) {
  std::string text = fmt::format("\nSuite {} ({}):\n", suite.name, run.run_directory);
  for (const JobOutcome& job : outcomes) {
    const std::string name = fmt::format("{}/{}", job.variant, job.scenario);
    if (job.status == JobStatus::failed) {
      text += fmt::format("  {:<32} failed: {}\n", name, job.error);
    } else if (job.status == JobStatus::not_run) {
      text += fmt::format("  {:<32} not run (interrupted)\n", name);
    } else if (job.report) {
      text += fmt::format("  {:<32} {}{}: last benchmark TTFT p99 {} ms, output {} tok/s\n", name,
                          to_string(job.status),
                          job.regression.regressions.empty()
                              ? ""
                              : fmt::format(", {} regressed", job.regression.regressions.size()),
                          last_figure(*job.report, "ttft_ms_p99", "{:.1f}"),
                          last_figure(*job.report, "output_tokens_per_s", "{:.1f}"));
    }
    for (const Regression& regression : job.regression.regressions) {
      text += fmt::format("    regression: benchmark {} ({}): {}\n", regression.benchmark,
                          to_string(regression.profile), describe(regression));
    }
    if (run.baseline && !job.baseline_note.empty()) {
      text += fmt::format("    baseline: {}\n", job.baseline_note);
    }
  }
  const std::size_t failed = count(outcomes, JobStatus::failed);
  const std::size_t regressed = regression_count(outcomes);
  if (failed > 0) text += fmt::format("{} of {} runs failed\n", failed, outcomes.size());
  if (regressed > 0) {
    text += fmt::format("{} regression{} against {}\n", regressed, regressed == 1 ? "" : "s",
                        run.baseline.value_or("the baseline"));
  }
  return text;
}

int suite_exit_code(const SuiteRun& run, const std::vector<JobOutcome>& outcomes) {
  if (run.interrupted) return kExitInterrupted;
  if (count(outcomes, JobStatus::failed) > 0) return kExitRunFailed;
  if (regression_count(outcomes) > 0) return kExitRegression;
  return kExitOk;
}

}  // namespace llmpace::suite
