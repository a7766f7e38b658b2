#include "command.hpp"

namespace llmpace::app {

Command add_sim_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand("sim", "Run the built-in OpenAI-compatible simulator");
  return {cli, [] { return 0; }};
}

}  // namespace llmpace::app
