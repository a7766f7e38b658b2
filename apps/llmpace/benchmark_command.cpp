#include "command.hpp"

namespace llmpace::app {

Command add_benchmark_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand("benchmark", "Run a benchmark against a target");
  return {cli, [] { return 0; }};
}

}  // namespace llmpace::app
