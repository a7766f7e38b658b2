// `llmpace report`: show a saved JSON report again, or compare saved reports. Sends no load.
//
//   llmpace report FILE.json [--output OUT]... [--scenario-out S.yaml]
//       the console table of the run; each OUT written by its extension: .json, .csv, .html;
//       S.yaml (or .json) the run's resolved scenario (run.scenario), which `llmpace benchmark
//       --scenario S.yaml` repeats
//   llmpace report compare A.json B.json [C.json ...] [--label NAME]... [--output OUT]...
//       the key metrics of each benchmark side by side, with ratios to A (the baseline); each OUT
//       by its extension: .json, .csv, .html. Labels name the runs in order (default: the file
//       stem)
//   llmpace report merge SHARD.json... [--output OUT]...
//       the reports of the shards of one run (`--shard I/N`, docs/scale-out.md) merged into the
//       report of the whole run (report/report_merge.hpp); each OUT by its extension: .json,
//       .csv, .html, and the console table printed; without --output, the merged JSON report is
//       printed instead
//
// Every bad input (a missing, unreadable or malformed report, an unknown output format, an output
// that cannot be written, bad labels) is a ConfigError, checked before anything is written.
// Runs on the main thread.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/report/compare.hpp"
#include "llmpace/report/console_writer.hpp"
#include "llmpace/report/html_writer.hpp"
#include "llmpace/report/json_reader.hpp"
#include "llmpace/report/json_writer.hpp"
#include "llmpace/report/report_merge.hpp"
#include "llmpace/scenario/scenario_writer.hpp"
#include "output_files.hpp"

namespace llmpace::app {
namespace {

namespace fs = std::filesystem;

struct ReportFlags {
  std::string file;                  // llmpace report FILE
  std::vector<std::string> outputs;  // --output of `report` (also taken before `compare`)
  std::string scenario_out;          // --scenario-out
  std::vector<std::string> compare_files;
  std::vector<std::string> labels;
  std::vector<std::string> compare_outputs;
  std::vector<std::string> merge_files;
  std::vector<std::string> merge_outputs;
};

/// Format checks before any file is read or written.
void check_outputs(const std::vector<std::string>& paths) {
  ensure_outputs_writable(paths, /*allow_request_log=*/false);
}

int run_show(const ReportFlags& flags) {
  if (flags.file.empty()) {
    throw ConfigError(
        "report: expected a saved report (llmpace report FILE.json) or 'llmpace report compare "
        "A.json B.json'");
  }
  check_outputs(flags.outputs);
  const std::string scenario_extension = fs::path(flags.scenario_out).extension().string();
  const bool scenario_json = scenario_extension == ".json";
  if (!flags.scenario_out.empty() && !scenario_json && scenario_extension != ".yaml" &&
      scenario_extension != ".yml") {
    throw ConfigError(
        fmt::format("--scenario-out '{}': expected .yaml, .yml or .json", flags.scenario_out));
  }
  const report::Report saved = report::read_report_file(flags.file);
  std::string scenario_text;
  if (!flags.scenario_out.empty()) {
    const auto scenario = saved.run.find("scenario");
    if (!saved.run.is_object() || scenario == saved.run.end() || !scenario->is_object()) {
      throw ConfigError(fmt::format(
          "--scenario-out: {} holds no run.scenario (written by llmpace before scenarios)",
          flags.file));
    }
    scenario_text = scenario_json ? scenario->dump(2) + "\n" : scenario::json_to_yaml(*scenario);
  }
  fmt::print("{}", report::render_console(saved));
  std::fflush(stdout);
  for (const std::string& path : flags.outputs) write_report_file(path, saved);
  if (!scenario_text.empty()) write_text_file(flags.scenario_out, scenario_text);
  return kExitOk;
}

/// The --label values in order, then each remaining file's stem; a default label that two
/// reports would share becomes the path as given, then the path and its position ("a.json#2").
std::vector<std::string> run_labels(const std::vector<std::string>& files,
                                    const std::vector<std::string>& labels) {
  if (labels.size() > files.size()) {
    throw ConfigError(
        fmt::format("--label: {} labels for {} reports", labels.size(), files.size()));
  }
  std::vector<std::string> result = labels;
  for (std::size_t i = labels.size(); i < files.size(); ++i) {
    result.push_back(fs::path(files[i]).stem().string());
  }
  const auto uses = [&result] {
    std::map<std::string, std::size_t> counts;
    for (const std::string& label : result) ++counts[label];
    return counts;
  };
  // Same stem in two directories: the paths tell them apart; the same file twice: its position.
  auto counts = uses();
  for (std::size_t i = labels.size(); i < files.size(); ++i) {
    if (counts[result[i]] > 1) result[i] = files[i];
  }
  counts = uses();
  for (std::size_t i = labels.size(); i < files.size(); ++i) {
    if (counts[result[i]] > 1) result[i] = fmt::format("{}#{}", result[i], i + 1);
  }
  counts = uses();
  for (std::size_t i = 0; i < result.size(); ++i) {
    if (result[i].empty())
      throw ConfigError(fmt::format("--label: report {} has an empty label", i + 1));
    if (counts[result[i]] > 1) {
      throw ConfigError(fmt::format(
          "--label: '{}' names two reports; give each report its own --label", result[i]));
    }
  }
  return result;
}

int run_compare(const ReportFlags& flags) {
  if (!flags.file.empty()) {
    throw ConfigError(fmt::format(
        "report: '{}' before 'compare'; write llmpace report compare A.json B.json", flags.file));
  }
  if (flags.compare_files.size() < 2) {
    throw ConfigError(
        fmt::format("report compare: expected at least two reports (A.json B.json ...), got {}",
                    flags.compare_files.size()));
  }
  std::vector<std::string> outputs = flags.outputs;
  outputs.insert(outputs.end(), flags.compare_outputs.begin(), flags.compare_outputs.end());
  check_outputs(outputs);
  const std::vector<std::string> labels = run_labels(flags.compare_files, flags.labels);

  std::vector<report::LabelledReport> runs;
  for (std::size_t i = 0; i < flags.compare_files.size(); ++i) {
    runs.push_back({labels[i], report::read_report_file(flags.compare_files[i])});
  }
  const report::Comparison comparison = report::compare_reports(runs);
  fmt::print("{}", report::render_compare_console(comparison));
  std::fflush(stdout);
  for (const std::string& path : outputs) {
    switch (output_format(path, /*allow_request_log=*/false)) {
      case OutputFormat::csv:
        write_text_file(path, report::render_compare_csv(comparison));
        break;
      case OutputFormat::html:  // every chart draws each run on the same axes
        write_text_file(path, report::render_html(runs));
        break;
      default:
        write_text_file(path, report::compare_to_json(comparison).dump(2) + "\n");
        break;
    }
  }
  return kExitOk;
}

int run_merge(const ReportFlags& flags) {
  if (!flags.file.empty()) {
    throw ConfigError(fmt::format(
        "report: '{}' before 'merge'; write llmpace report merge SHARD.json...", flags.file));
  }
  if (flags.merge_files.empty()) {
    throw ConfigError("report merge: expected the shard reports to merge (SHARD.json...)");
  }
  std::vector<std::string> outputs = flags.outputs;
  outputs.insert(outputs.end(), flags.merge_outputs.begin(), flags.merge_outputs.end());
  check_outputs(outputs);
  std::vector<report::ShardReport> shards;
  for (const std::string& file : flags.merge_files) {
    shards.push_back({file, report::read_report_file(file)});
  }
  const report::Report merged = report::merge_shard_reports(shards);
  if (outputs.empty()) {
    fmt::print("{}\n", report::to_json(merged).dump(2));
    std::fflush(stdout);
    return kExitOk;
  }
  fmt::print("{}", report::render_console(merged));
  std::fflush(stdout);
  for (const std::string& path : outputs) write_report_file(path, merged);
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand(
      "report",
      "Show a saved JSON report (llmpace report FILE.json), compare saved reports, or merge the "
      "reports of the shards of one run");
  auto flags = std::make_shared<ReportFlags>();
  cli->add_option("file", flags->file, "JSON report written by llmpace benchmark --output");
  cli->add_option("--scenario-out", flags->scenario_out,
                  "Write the run's resolved scenario to S.yaml (or .json), to repeat the run");
  cli->add_option("--output,-o", flags->outputs,
                  "Write the report to FILE (.json, .csv, .html by extension); repeatable");

  CLI::App* compare = cli->add_subcommand(
      "compare", "Compare saved reports benchmark by benchmark, with ratios to the first");
  compare->add_option("files", flags->compare_files,
                      "JSON reports; the first is the baseline the others are compared to");
  compare->add_option("--label", flags->labels,
                      "Name of each report in order (default: its file name without extension); "
                      "repeatable");
  compare->add_option("--output,-o", flags->compare_outputs,
                      "Write the comparison to FILE (.json, .csv, .html by extension); repeatable");

  CLI::App* merge = cli->add_subcommand(
      "merge", "Merge the reports of the shards of one run (--shard I/N) into one report");
  merge->add_option("files", flags->merge_files,
                    "JSON reports of every shard of the run, in any order");
  merge->add_option("--output,-o", flags->merge_outputs,
                    "Write the merged report to FILE (.json, .csv, .html by extension); "
                    "repeatable; without it the merged JSON report goes to standard output");
  cli->require_subcommand(0, 1);

  return {cli, [flags, compare, merge] {
            if (compare->parsed()) return run_compare(*flags);
            if (merge->parsed()) return run_merge(*flags);
            return run_show(*flags);
          }};
}

}  // namespace llmpace::app
