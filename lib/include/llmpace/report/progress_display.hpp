// ProgressDisplay: decides how progress lines reach the user while benchmarks run.
//
//   live   a terminal: the current benchmark's line is rewritten in place ("\r" + line + erase to
//          end of line) at every snapshot, and ended with "\n" by the final snapshot, so each
//          benchmark leaves one line on screen
//   plain  not a terminal (a log file, a Kubernetes pod's log): a full line prefixed with
//          "llmpace: " at most once per `plain_interval` of the benchmark's elapsed time (counted
//          from its start, on the snapshots' elapsed_s, never the wall clock), and always the final
//   quiet  nothing
//
// A new benchmark begins when the label changes or a snapshot follows a final one.
//
// Thread affinity: none, but not synchronised; call update() from one thread at a time (the
// engine's progress callback). The stream is borrowed and must outlive the display.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "llmpace/metrics/progress_snapshot.hpp"

namespace llmpace::report {

enum class ProgressMode { live, plain, quiet };

/// quiet wins; otherwise live on a terminal and plain elsewhere.
ProgressMode choose_progress_mode(bool quiet, bool stream_is_tty);

class ProgressDisplay {
 public:
  static constexpr std::chrono::seconds kDefaultPlainInterval{10};

  ProgressDisplay(std::FILE* stream, ProgressMode mode,
                  std::chrono::seconds plain_interval = kDefaultPlainInterval);
  /// Ends a live line left open (see finish()).
  ~ProgressDisplay();

  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void update(std::string_view label, const metrics::ProgressSnapshot& snapshot);

  /// Live mode: ends with "\n" a line whose benchmark never sent its final snapshot (a run stopped
  /// by an error), so whatever is printed next starts on a line of its own. Otherwise nothing.
  void finish();

 private:
  void write(std::string_view text);

  std::FILE* stream_;
  ProgressMode mode_;
  double plain_interval_s_;
  std::string label_;            // the current benchmark's
  bool in_benchmark_ = false;    // a snapshot of the current benchmark has arrived
  bool after_final_ = false;     // the last snapshot was a final one
  bool live_line_open_ = false;  // live: a line is on screen without its "\n"
  double last_printed_s_ = 0;    // plain: elapsed_s of the last line printed (0 at the start)
};

}  // namespace llmpace::report
