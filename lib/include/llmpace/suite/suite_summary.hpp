// The outcome of a suite run: what each (variant, scenario) did, summary.json, the console's last
// lines and the exit code (docs/suites.md).
//
// summary.json holds the key figures of every benchmark (named as `report compare` names them),
// each benchmark's diagnosis, the regressions against the baseline and what was compared, so a
// nightly job's result can be read without opening the reports.
//
// Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/report/report.hpp"
#include "llmpace/scenario/suite_file.hpp"
#include "llmpace/suite/regression.hpp"

namespace llmpace::suite {

enum class JobStatus {
  ok,           // it measured: at least one request succeeded
  failed,       // it could not run, or nothing succeeded; `error` says why
  interrupted,  // a signal stopped it; its report holds what completed
  not_run,      // a signal stopped the suite before it
};

std::string_view to_string(JobStatus status);

struct JobOutcome {
  std::string variant;
  std::string scenario;
  JobStatus status = JobStatus::not_run;
  std::string error;  // one line, for failed
  std::optional<report::Report> report;
  std::vector<std::string> files;            // written, relative to the run directory
  std::optional<std::string> baseline_file;  // the report this one was checked against
  std::string baseline_note;                 // why there was none, when --baseline was given
  RegressionCheck regression;
};

struct SuiteRun {
  std::string started_at;                     // ISO 8601 UTC
  std::string finished_at;                    // ISO 8601 UTC
  std::string run_directory;                  // its name, e.g. "20261205T000000Z"
  std::optional<std::string> baseline;        // the baseline directory, when given
  std::vector<std::string> comparison_files;  // relative to the run directory
  bool interrupted = false;
};

/// summary.json's content.
nlohmann::json suite_summary(const scenario::SuiteFile& suite, const SuiteRun& run,
                             const std::vector<JobOutcome>& outcomes);

/// The console's closing lines: one per job (status, key figures or error), then regressions.
std::string render_suite_outcome(const scenario::SuiteFile& suite, const SuiteRun& run,
                                 const std::vector<JobOutcome>& outcomes);

/// 130 when interrupted, else 1 when a job failed, else 3 when something regressed, else 0.
int suite_exit_code(const SuiteRun& run, const std::vector<JobOutcome>& outcomes);

}  // namespace llmpace::suite
