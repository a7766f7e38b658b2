// llmpace: load generator and benchmark for OpenAI-compatible LLM inference servers.
// main only wires the subcommands and maps errors to exit codes; each command lives in its file.
#include <fmt/format.h>

#include <array>
#include <exception>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/version.hpp"
#include "secret_arguments.hpp"

int main(int argc, char** argv) {
  using namespace llmpace;
  CLI::App cli{"llmpace: benchmark OpenAI-compatible LLM inference servers (vLLM, llama.cpp, ...)",
               "llmpace"};
  cli.set_version_flag("--version", fmt::format("llmpace {}", kVersion));
  cli.require_subcommand(1);
  cli.footer("Run 'llmpace COMMAND --help' for the options of a command.");

  const std::array commands{app::add_benchmark_command(cli), app::add_suite_command(cli),
                            app::add_sim_command(cli), app::add_report_command(cli),
                            app::add_tokenize_command(cli)};

  try {
    cli.parse(argc, argv);
    app::hide_secret_arguments(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version arrive here as "successful" parse errors.
    if (error.get_exit_code() == 0) return cli.exit(error);
    fmt::print(stderr, "llmpace: error: {}\n", error.what());
    return kExitConfigError;
  }

  try {
    for (const auto& command : commands) {
      if (command.cli->parsed()) return command.run();
    }
  } catch (const ConfigError& error) {
    fmt::print(stderr, "llmpace: error: {}\n", error.what());
    return kExitConfigError;
  } catch (const RunError& error) {
    fmt::print(stderr, "llmpace: error: {}\n", error.what());
    return kExitRunFailed;
  } catch (const std::exception& error) {
    fmt::print(stderr, "llmpace: internal error: {}\n", error.what());
    return kExitRunFailed;
  }
  return kExitConfigError;
}
