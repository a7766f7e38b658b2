// A subcommand of the llmpace executable: its CLI11 sub-app (options bound to state owned by the
// command) and the function that runs it once parsing succeeded. run() returns the process exit
// code (see core/error.hpp) and may throw ConfigError / RunError, which main() turns into one
// line and exit code 2 / 1.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace llmpace::app {

struct Command {
  CLI::App* cli = nullptr;
  std::function<int()> run;
};

Command add_benchmark_command(CLI::App& parent);
Command add_sim_command(CLI::App& parent);
Command add_report_command(CLI::App& parent);
Command add_tokenize_command(CLI::App& parent);
Command add_suite_command(CLI::App& parent);

}  // namespace llmpace::app
