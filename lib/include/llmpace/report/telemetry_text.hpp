// Telemetry in words: the short lines the console (and the HTML page's summary) print about what
// the server's and the GPUs' metrics showed during a benchmark, and why some are missing.
//
// Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "llmpace/report/report.hpp"

namespace llmpace::report {

/// A benchmark's GPUs taken together, as the CSV and `report compare` show them: framebuffer
/// (each GPU's max) and power (each GPU's mean) summed over the GPUs — what the model occupies
/// and draws — and utilisation the mean of the GPUs' means. Each absent when no GPU has it.
struct GpuTotals {
  std::optional<double> fb_used_mib_max;
  std::optional<double> util_percent_mean;
  std::optional<double> power_w_mean;
};
GpuTotals gpu_totals(const BenchmarkReport& benchmark);

/// "KV 97.2 % mean, 100 % max; running 212, waiting 88 (mean); 14 preemptions; server 3210
/// gen tok/s" — the server's figures during the benchmark; empty when none was scraped.
std::string server_telemetry_line(const BenchmarkReport& benchmark);

/// "GPU 0 H100: util 41 %, FB 74.1 of 80.0 GiB (93 %), 512 W, 61 C" — one line per GPU.
std::vector<std::string> gpu_telemetry_lines(const BenchmarkReport& benchmark);

/// "server TTFT p50 812 ms (bucket 750-1000), client 830 ms: 18 ms outside the server" —
/// empty when the server exposed no TTFT histogram or no request succeeded.
std::string ttft_comparison_line(const BenchmarkReport& benchmark);

/// "settled 3.2 s for the server to be idle" / "server still busy (12) after the 60 s settle
/// timeout" — empty for the first benchmark and a zero pause.
std::string settle_line(const BenchmarkReport& benchmark);

}  // namespace llmpace::report
