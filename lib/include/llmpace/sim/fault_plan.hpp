// Fault injection plan of the simulator: which requests get which failure, for robustness tests
// of clients. Set with `--fault KIND:PROB` (repeatable); each request draws at most one fault.
//
// What the server does for each kind:
// - http_500: answers HTTP 500 with a vLLM-shaped JSON error body instead of a completion.
// - http_429: answers HTTP 429 with the header `Retry-After: 1` (kRetryAfterSeconds).
// - reset_mid_stream: after kFaultTokensBeforeBreak tokens, TCP RST (close with SO_LINGER 0).
// - stall: after kFaultTokensBeforeBreak tokens sends nothing more and keeps the connection open.
// - malformed_chunk: sends one SSE event mid-stream whose data is not valid JSON, then continues.
// - slow_headers: delays the response headers by kSlowHeadersDelay, then answers normally.
//
// The draw is a pure function of (seed, request number): hash-based, no shared mutable state, so
// FaultPlan is safe to use from any thread and a run is repeatable whichever thread serves which
// request. Parsing and validation throw llmpace::SettingError about the setting "faults"
// (core/setting_error.hpp; the flag is --fault).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace llmpace::sim {

enum class FaultKind { http_500, http_429, reset_mid_stream, stall, malformed_chunk, slow_headers };

/// Every kind, in the fixed order in which a draw walks the cumulative probabilities.
inline constexpr std::array<FaultKind, 6> kFaultKinds = {
    FaultKind::http_500, FaultKind::http_429,        FaultKind::reset_mid_stream,
    FaultKind::stall,    FaultKind::malformed_chunk, FaultKind::slow_headers};

/// Tokens streamed before reset_mid_stream resets and stall goes quiet.
inline constexpr int kFaultTokensBeforeBreak = 3;
/// How long slow_headers holds back the response headers.
inline constexpr std::chrono::milliseconds kSlowHeadersDelay{5000};
/// The Retry-After value of http_429, in seconds.
inline constexpr int kRetryAfterSeconds = 1;
/// Mixed into the seed so fault draws are a stream of their own.
inline constexpr std::uint64_t kFaultStream = 0xfa017'5eedull;

/// The flag's spelling of the kind: "http_500", "reset_mid_stream", ...
std::string_view to_string(FaultKind kind);

struct FaultSpec {
  FaultKind kind = FaultKind::http_500;
  double probability = 0.0;  ///< chance per request, 0..1
};

/// Parses "KIND:PROB", e.g. "http_500:0.05". Throws SettingError about "faults" naming the
/// offending text and the valid kinds for an unknown kind, a missing ':', or a probability that is
/// not a number in [0, 1].
FaultSpec parse_fault_spec(std::string_view text);

class FaultPlan {
 public:
  /// No faults.
  FaultPlan() = default;
  /// Throws SettingError about "faults" if a kind appears twice, a probability is outside [0, 1] or
  /// the probabilities add up to more than 1 (beyond a rounding tolerance of 1e-9).
  FaultPlan(std::vector<FaultSpec> specs, std::uint64_t seed);

  /// The fault for request `request_number`, or none: u = uniform [0, 1) from the top 53 bits of
  /// splitmix64(splitmix64(seed ^ kFaultStream) ^ request_number), then the first kind (in
  /// kFaultKinds order) whose cumulative probability exceeds u. Deterministic; each kind is drawn
  /// with its probability. kFaultStream keeps the draw independent of other per-request draws
  /// hashed from the same seed (output lengths in sim_request).
  std::optional<FaultKind> draw(std::uint64_t request_number) const;

  /// True when no fault can be drawn (no specs, or all probabilities 0).
  bool empty() const;

  const std::vector<FaultSpec>& specs() const { return specs_; }  ///< in kFaultKinds order
  std::uint64_t seed() const { return seed_; }

 private:
  std::vector<FaultSpec> specs_;
  std::uint64_t seed_ = 0;
};

}  // namespace llmpace::sim
