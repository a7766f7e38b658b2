// ProgressSnapshot: how far a running benchmark has got, for the live progress display.
//
// Produced by the engine's coordinator thread from the workers' counters at each progress tick
// and once more when the benchmark ends (`final`). Plain data; copy freely.
#pragma once

#include <cstdint>
#include <optional>

namespace llmpace::metrics {

struct ProgressSnapshot {
  double elapsed_s = 0;                      // since the benchmark started
  std::optional<double> max_seconds;         // the benchmark's time limit, if any
  std::optional<std::int64_t> max_requests;  // the benchmark's request limit, if any
  std::uint64_t started = 0;                 // requests sent or being sent
  std::uint64_t successful = 0;              // finished successfully
  std::uint64_t errored = 0;                 // finished with an error
  std::uint64_t in_flight = 0;               // started and not finished
  std::uint64_t dropped = 0;                 // open loop, cap full, --on-full drop
  // Medians (type 7, as the report's p50) within 0.1 %, from LogHistograms (log_histogram.hpp).
  std::optional<double> ttft_p50_ms;  // median TTFT of successful requests so far
  std::optional<double> itl_p50_ms;   // median of per-request mean ITL so far
  double successful_per_s = 0;        // successful / elapsed_s
  bool final = false;                 // the benchmark has ended
};

}  // namespace llmpace::metrics
