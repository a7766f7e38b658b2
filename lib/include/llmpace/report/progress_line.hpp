// Progress line: one line of text describing a running benchmark, for the live progress display.
// Pure function of its arguments; call it from any thread.
//
//   [3/10] constant 12.5 req/s | 12.3 s / 30 s | 150 ok, 4 in flight, 2 err | 12.2 req/s | ...
//       ... p50 TTFT 51.2 ms, ITL 10.1 ms
//
// Fields, separated by " | ":
//   label      the caller's description of the benchmark (left out with its separator when empty)
//   progress   `12.3 s / 30 s` with a time limit, `150 / 1000 req` with a request limit (requests
//              finished: successful + errored), both joined by ", " when both are set, and just
//              the elapsed time `12.3 s` when neither is
//   counts     `150 ok, 4 in flight, 2 err`, then `, 7 dropped` only when some were dropped
//   rate       successful requests per second, `12.2 req/s`
//   medians    `p50 TTFT 51.2 ms, ITL 10.1 ms`, `-` for a median not known yet (`p50 TTFT -, ITL
//   -`)
//
// Numbers, never in scientific notation:
//   elapsed time and req/s   one decimal: `12.3 s`, `0.0 req/s`, `3600.0 s`
//   time limit               whole seconds when whole (`30 s`), else one decimal (`2.5 s`)
//   request counts           exact below 100000; from there three significant digits rounded
//                            down with a k/M/G/... suffix (`999k`, `1.00M`), so progress never
//                            looks complete before it is
//   TTFT and ITL             three significant digits: `0.51 ms`, `51.2 ms`, `512 ms`; from one
//                            second in seconds: `1.23 s`, `12.3 s`, `100 s`, `1234 s`
//
// Width: at most kProgressLineWidth columns (counted in bytes: the label is expected to be ASCII;
// a cut never splits a UTF-8 sequence). Typical lines are 100 to 116 columns with a label of 26.
// When a line would be wider (a long label, very large values), the label is shortened to fit,
// after a whole word, and ends in "..." (keeping at least 8 bytes of it); if that is not enough,
// whole fields are left off, req/s first, then the medians, then the counts, so no number is ever
// shown cut short. Only the progress field alone wider than the line (absurd values) is cut at the
// width.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "llmpace/metrics/progress_snapshot.hpp"

namespace llmpace::report {

inline constexpr std::size_t kProgressLineWidth = 120;

/// One line, without a newline, at most kProgressLineWidth bytes long.
std::string format_progress_line(std::string_view label, const metrics::ProgressSnapshot& snapshot);

}  // namespace llmpace::report
