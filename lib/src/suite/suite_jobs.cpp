// See suite_jobs.hpp.
#include "llmpace/suite/suite_jobs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "llmpace/core/error.hpp"
#include "llmpace/scenario/references.hpp"

namespace llmpace::suite {
namespace {

using scenario::RunSettings;
using scenario::SettingField;

/// Settings that say where a variant is; not secrets, so expanded as soon as the suite is read.
constexpr std::string_view kExpandedKeys[] = {"target", "model", "ca_cert", "server_metrics",
                                              "gpu_metrics"};

/// Overlays `top` on `job.settings`, recording `origin(key)` for each setting `top` holds.
void apply(SuiteJob& job, const RunSettings& top,
           const std::function<std::string(std::string_view)>& origin) {
  for (const SettingField& field : scenario::kRunSettingFields) {
    if (scenario::is_set(top, field)) job.origins[std::string(field.key)] = origin(field.key);
  }
  job.settings = scenario::overlay(std::move(job.settings), top);
}

std::function<std::string(std::string_view)> block_origin(const scenario::SuiteFile& suite,
                                                          const scenario::SettingsBlock& block) {
  return [&suite, &block](std::string_view key) { return suite.at(block.line(key)); };
}

std::string expand(const SuiteJob& job, std::string_view key, const std::string& value) {
  try {
    return scenario::expand_references(value);
  } catch (const ConfigError& error) {
    throw ConfigError(fmt::format("{}: {}: {}", job.origin(key), key, error.what()));
  }
}

void expand_locations(SuiteJob& job) {
  RunSettings& settings = job.settings;
  for (const std::string_view key : kExpandedKeys) {
    if (key == "gpu_metrics") {
      if (!settings.gpu_metrics) continue;
      // An entry that expands to nothing is dropped: an overlay without a DCGM exporter sets
      // its variable empty rather than keeping a second copy of the suite.
      std::vector<std::string> urls;
      for (const std::string& url : *settings.gpu_metrics) {
        std::string expanded = expand(job, key, url);
        if (!expanded.empty()) urls.push_back(std::move(expanded));
      }
      settings.gpu_metrics = std::move(urls);
      if (settings.gpu_metrics->empty()) settings.gpu_metrics.reset();
      continue;
    }
    std::optional<std::string>& value = key == "target"    ? settings.target
                                        : key == "model"   ? settings.model
                                        : key == "ca_cert" ? settings.ca_cert
                                                           : settings.server_metrics;
    if (value) value = expand(job, key, *value);
  }
}

bool selected(const std::vector<std::string>& names, const std::string& name) {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

template <typename Entries>
void check_selection(const std::vector<std::string>& names, const Entries& entries,
                     std::string_view what, const std::string& path) {
  for (const std::string& name : names) {
    const bool known = std::any_of(entries.begin(), entries.end(),
                                   [&name](const auto& entry) { return entry.name == name; });
    if (known) continue;
    std::string list;
    for (const auto& entry : entries) list += (list.empty() ? "" : ", ") + entry.name;
    throw ConfigError(
        fmt::format("--{}: {} has no {} \"{}\" (it has {})", what, path, what, name, list));
  }
}

}  // namespace

std::string SuiteJob::origin(std::string_view key) const {
  const auto found = origins.find(key);
  return found == origins.end() ? suite_path : found->second;
}

std::vector<SuiteJob> plan_suite_jobs(const scenario::SuiteFile& suite,
                                      const std::vector<scenario::ScenarioFile>& scenario_files,
                                      const SuiteSelection& selection) {
  check_selection(selection.variants, suite.variants, "variant", suite.path);
  check_selection(selection.scenarios, suite.scenarios, "scenario", suite.path);
  std::vector<SuiteJob> jobs;
  for (std::size_t v = 0; v < suite.variants.size(); ++v) {
    const scenario::SuiteVariant& variant = suite.variants[v];
    if (!selected(selection.variants, variant.name)) continue;
    for (std::size_t s = 0; s < suite.scenarios.size(); ++s) {
      const scenario::SuiteScenario& entry = suite.scenarios[s];
      if (!selected(selection.scenarios, entry.name)) continue;
      SuiteJob job;
      job.variant_index = v;
      job.scenario_index = s;
      job.variant = variant.name;
      job.scenario = entry.name;
      job.suite_path = suite.path;
      const scenario::ScenarioFile& file = scenario_files.at(s);
      apply(job, file.settings, [&file](std::string_view key) { return file.origin(key); });
      apply(job, suite.settings.settings, block_origin(suite, suite.settings));
      apply(job, entry.overrides.settings, block_origin(suite, entry.overrides));
      apply(job, variant.settings.settings, block_origin(suite, variant.settings));
      // A scenario file's outputs are the suite's to choose (DIR/SUITE/TIME/VARIANT/SCENARIO.*).
      job.settings.output.reset();
      job.origins.erase("output");
      expand_locations(job);
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

}  // namespace llmpace::suite
