#include "llmpace/sim/sim_options.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmpace/core/error.hpp"

namespace llmpace::sim {
namespace {

constexpr unsigned kMaxThreads = 256;
constexpr Nanoseconds kMaxDelay = std::chrono::hours{1};

void check_delay(Nanoseconds delay, const char* flag) {
  if (delay < Nanoseconds::zero() || delay > kMaxDelay) {
    throw ConfigError(
        fmt::format("{} must be between 0 and 3600000 ms, got {} ms", flag, to_ms(delay)));
  }
}

}  // namespace

void validate_sim_options(const SimOptions& options) {
  if (options.host.empty()) throw ConfigError("--host must not be empty");
  if (options.model.empty()) throw ConfigError("--model must not be empty");
  if (options.max_model_len < 1) throw ConfigError("max_model_len must be at least 1");
  check_delay(options.ttft, "--ttft-ms");
  check_delay(options.itl, "--itl-ms");
  if (!std::isfinite(options.jitter) || options.jitter < 0.0 || options.jitter > 1.0) {
    throw ConfigError(fmt::format("--jitter must be between 0 and 1, got {}", options.jitter));
  }
  if (options.default_output_tokens < 1) {
    throw ConfigError(fmt::format("--default-output-tokens must be at least 1, got {}",
                                  options.default_output_tokens));
  }
  if (!std::isfinite(options.fail_rate) || options.fail_rate < 0.0 || options.fail_rate > 1.0) {
    throw ConfigError(
        fmt::format("--fail-rate must be between 0 and 1, got {}", options.fail_rate));
  }
  if (options.threads < 1 || options.threads > kMaxThreads) {
    throw ConfigError(
        fmt::format("--threads must be between 1 and {}, got {}", kMaxThreads, options.threads));
  }
  if (!std::isfinite(options.natural_output_tokens_mean) ||
      options.natural_output_tokens_mean < 0.0) {
    throw ConfigError(fmt::format("--natural-output-tokens must be 0 (off) or positive, got {}",
                                  options.natural_output_tokens_mean));
  }
  if (options.preset) validate_preset(*options.preset);
  if (options.dcgm_port && !options.preset) {
    throw ConfigError("--dcgm-port needs --preset: the simple model simulates no GPU");
  }
  FaultPlan{options.faults, options.seed};  // throws ConfigError on an invalid set
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    throw ConfigError("--tls-cert and --tls-key must be given together");
  }
}

}  // namespace llmpace::sim
