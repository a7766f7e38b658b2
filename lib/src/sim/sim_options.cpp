#include "llmpace/sim/sim_options.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmpace/core/setting_error.hpp"

namespace llmpace::sim {
namespace {

void check_delay(Nanoseconds delay, const char* key) {
  if (delay < Nanoseconds::zero() || to_ms(delay) > kMaxSimDelayMs) {
    throw SettingError(
        key, fmt::format("must be between 0 and {} ms, got {} ms", kMaxSimDelayMs, to_ms(delay)));
  }
}

void check_fraction(double value, const char* key) {
  if (!std::isfinite(value) || value < 0.0 || value > 1.0) {
    throw SettingError(key, fmt::format("must be between 0 and 1, got {}", value));
  }
}

}  // namespace

void validate_sim_options(const SimOptions& options) {
  if (options.host.empty()) throw SettingError("host", "must not be empty");
  if (options.model.empty()) throw SettingError("model", "must not be empty");
  if (options.max_model_len < 1) {
    throw SettingError("max_model_len",
                       fmt::format("must be at least 1, got {}", options.max_model_len));
  }
  check_delay(options.ttft, "ttft_ms");
  check_delay(options.itl, "itl_ms");
  check_fraction(options.jitter, "jitter");
  if (options.default_output_tokens < 1) {
    throw SettingError("default_output_tokens",
                       fmt::format("must be at least 1, got {}", options.default_output_tokens));
  }
  check_fraction(options.fail_rate, "fail_rate");
  if (options.threads < 1 || options.threads > kMaxSimThreads) {
    throw SettingError("threads", fmt::format("must be between 1 and {}, got {}", kMaxSimThreads,
                                              options.threads));
  }
  if (!std::isfinite(options.natural_output_tokens_mean) ||
      options.natural_output_tokens_mean < 0.0) {
    throw SettingError("natural_output_tokens", fmt::format("must be 0 (off) or positive, got {}",
                                                            options.natural_output_tokens_mean));
  }
  if (options.preset) validate_preset(*options.preset);
  if (options.dcgm_port && !options.preset) {
    throw SettingError("", "{dcgm_port} needs {preset}: the simple model simulates no GPU");
  }
  FaultPlan{options.faults, options.seed};  // throws SettingError about "faults"
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    throw SettingError("", "{tls_cert_file} and {tls_key_file} must be given together");
  }
}

}  // namespace llmpace::sim
