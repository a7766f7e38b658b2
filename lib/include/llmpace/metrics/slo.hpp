// Slo: per-request service-level objectives for goodput (`--slo ttft_ms=200,tpot_ms=50`).
//
// A request meets the SLO when it succeeded and every objective that is set holds for it (a
// metric the request has no value for, such as TPOT of a one-token output, is not held against
// it). Pure data; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmpace::metrics {

struct Slo {
  std::optional<double> ttft_ms;      // sent -> first token
  std::optional<double> tpot_ms;      // vLLM's (done - first token) / (output tokens - 1)
  std::optional<double> itl_mean_ms;  // GuideLLM's per-request mean inter-token latency
  std::optional<double> latency_ms;   // sent -> done

  [[nodiscard]] bool empty() const { return !ttft_ms && !tpot_ms && !itl_mean_ms && !latency_ms; }
  /// "ttft_ms=200,tpot_ms=50" (the objectives that are set, in this order).
  [[nodiscard]] std::string to_string() const;
};

/// Parses "ttft_ms=200,tpot_ms=50,itl_mean_ms=40,latency_ms=5000" (any subset, positive numbers).
/// Throws ConfigError naming --slo and the bad part.
Slo parse_slo(std::string_view text);

}  // namespace llmpace::metrics
