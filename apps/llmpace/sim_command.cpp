// `llmpace sim`: serve the built-in OpenAI-compatible simulator until SIGINT or SIGTERM.
//
// Prints exactly one line to stdout once listening ("llmpace sim listening on URL"), which
// scripts and tests read to learn the port when --port 0 asked for an ephemeral one.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_server.hpp"

namespace llmpace::app {
namespace {

struct SimFlags {
  SimFlags() { options.port = 8000; }  // a fixed default port, like `vllm serve`

  sim::SimOptions options;
  double ttft_ms = 50.0;
  double itl_ms = 10.0;
};

// Checked before the conversion to nanoseconds, which NaN or huge values would overflow.
Nanoseconds delay_flag(double milliseconds, const char* flag) {
  constexpr double kMaxMs = 3'600'000.0;
  if (!std::isfinite(milliseconds) || milliseconds < 0.0 || milliseconds > kMaxMs) {
    throw ConfigError(
        fmt::format("{} must be between 0 and {} ms, got {}", flag, kMaxMs, milliseconds));
  }
  return from_ms(milliseconds);
}

int run_sim(const SimFlags& flags) {
  sim::SimOptions options = flags.options;
  options.ttft = delay_flag(flags.ttft_ms, "--ttft-ms");
  options.itl = delay_flag(flags.itl_ms, "--itl-ms");
  sim::SimServer server{options};  // ConfigError on bad options or TLS files

  // RunError when the address cannot be bound.
  sim::serve_until_signal(server, [&server] {
    fmt::print("llmpace sim listening on {}\n", server.base_url());
    std::fflush(stdout);
  });
  return kExitOk;
}

}  // namespace

Command add_sim_command(CLI::App& parent) {
  CLI::App* cli = parent.add_subcommand(
      "sim", "Run the built-in OpenAI-compatible simulator (vLLM-shaped endpoints)");
  auto flags = std::make_shared<SimFlags>();
  sim::SimOptions& options = flags->options;
  cli->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  cli->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  cli->add_option("--model", options.model, "Model name served and listed by /v1/models")
      ->capture_default_str();
  cli->add_option("--ttft-ms", flags->ttft_ms, "Time to first token, from the request read")
      ->capture_default_str();
  cli->add_option("--itl-ms", flags->itl_ms, "Inter-token latency between streamed tokens")
      ->capture_default_str();
  cli->add_option("--jitter", options.jitter,
                  "Relative stddev of Gaussian jitter on every delay, clamped to 3 sigma")
      ->capture_default_str();
  cli->add_option("--seed", options.seed, "Seed of the jitter and failure draws")
      ->capture_default_str();
  cli->add_option("--default-output-tokens", options.default_output_tokens,
                  "Output tokens when a request sets no max_tokens")
      ->capture_default_str();
  cli->add_option("--fail-rate", options.fail_rate,
                  "Fraction of generation requests answered with HTTP 500")
      ->capture_default_str();
  cli->add_option("--threads", options.threads, "I/O threads")->capture_default_str();
  cli->add_option("--tls-cert", options.tls_cert_file, "PEM certificate chain; serve HTTPS");
  cli->add_option("--tls-key", options.tls_key_file, "PEM private key for --tls-cert");
  return {cli, [flags] { return run_sim(*flags); }};
}

}  // namespace llmpace::app
