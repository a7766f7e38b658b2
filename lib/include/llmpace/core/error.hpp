// Error types that cross module boundaries, and the process exit codes they map to.
//
// ConfigError: the user's input (flags, files, URLs, --data) is wrong. Raised before any load is
//   sent; the CLI prints its message on one line and exits with kExitConfigError.
// RunError: the run could not measure anything (unreachable target, no model). kExitRunFailed.
// Failures of individual requests are never exceptions: they are data (see core/error_kind.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace llmpace {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitConfigError = 2;
inline constexpr int kExitRegression = 3;  // llmpace suite run --baseline: a metric regressed
inline constexpr int kExitInterrupted = 130;

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

class RunError : public std::runtime_error {
 public:
  explicit RunError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace llmpace
