// SuiteJob: one scenario against one variant of a suite, with its settings merged and each
// setting's origin kept for error messages (docs/suites.md).
//
// Precedence, last wins: the scenario file < the suite's `settings` < the scenario entry's
// `settings` < the variant's keys. The variant's target, model, ca_cert, server_metrics and
// gpu_metrics may be ${env:}/${file:} references (the Job sets them per overlay): they are
// expanded here, so a dry run shows where each variant goes; a gpu_metrics entry that expands to
// nothing is dropped (an environment without a DCGM exporter sets its variable empty). Secrets stay
// references until the plan is resolved, as for `llmpace benchmark`.
//
// Pure apart from reading the environment and referenced files; safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/scenario/run_settings.hpp"
#include "llmpace/scenario/scenario_file.hpp"
#include "llmpace/scenario/suite_file.hpp"

namespace llmpace::suite {

struct SuiteJob {
  std::size_t variant_index = 0;   // into SuiteFile::variants
  std::size_t scenario_index = 0;  // into SuiteFile::scenarios
  std::string variant;
  std::string scenario;
  scenario::RunSettings settings;
  /// Where each setting came from: "suites/nightly.yaml:12" or "chat.yaml:3".
  std::map<std::string, std::string, std::less<>> origins;
  std::string suite_path;  // the origin of a setting nobody gave

  /// The origin of `key`, or the suite file's path when nobody set it (a default).
  [[nodiscard]] std::string origin(std::string_view key) const;
};

/// Which variants and scenarios to run (empty: all), by name.
struct SuiteSelection {
  std::vector<std::string> variants;
  std::vector<std::string> scenarios;
};

/// Every selected (variant, scenario) pair, variants in file order, each variant's scenarios in
/// file order. `scenario_files[i]` is suite.scenarios[i] read. Throws ConfigError for a name the
/// selection gives that the suite lacks, and for a reference that cannot be expanded.
std::vector<SuiteJob> plan_suite_jobs(const scenario::SuiteFile& suite,
                                      const std::vector<scenario::ScenarioFile>& scenario_files,
                                      const SuiteSelection& selection);

}  // namespace llmpace::suite
