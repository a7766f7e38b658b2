// ProgressDisplay: the live / plain / quiet policies described in the header.
#include "llmpace/report/progress_display.hpp"

#include "llmpace/report/progress_line.hpp"

namespace llmpace::report {
namespace {

constexpr std::string_view kEraseToEndOfLine = "\x1b[K";
constexpr std::string_view kPlainPrefix = "llmpace: ";
// Elapsed times are sums of floating-point seconds: 20.9 - 10.9 must count as 10 s.
constexpr double kElapsedSlack_s = 1e-6;

}  // namespace

ProgressMode choose_progress_mode(bool quiet, bool stream_is_tty) {
  if (quiet) return ProgressMode::quiet;
  return stream_is_tty ? ProgressMode::live : ProgressMode::plain;
}

ProgressDisplay::ProgressDisplay(std::FILE* stream, ProgressMode mode,
                                 std::chrono::seconds plain_interval)
    : stream_(stream),
      mode_(stream == nullptr ? ProgressMode::quiet : mode),
      plain_interval_s_(static_cast<double>(plain_interval.count())) {}

ProgressDisplay::~ProgressDisplay() { finish(); }

void ProgressDisplay::update(std::string_view label, const metrics::ProgressSnapshot& snapshot) {
  if (mode_ == ProgressMode::quiet) return;

  if (!in_benchmark_ || after_final_ || label != label_) {
    finish();
    label_ = label;
    in_benchmark_ = true;
    last_printed_s_ = 0;
  }
  after_final_ = snapshot.final;

  const std::string line = format_progress_line(label, snapshot);
  if (mode_ == ProgressMode::live) {
    std::string text = "\r" + line + std::string(kEraseToEndOfLine);
    if (snapshot.final) text += '\n';
    write(text);
    live_line_open_ = !snapshot.final;
    return;
  }
  if (snapshot.final ||
      snapshot.elapsed_s - last_printed_s_ >= plain_interval_s_ - kElapsedSlack_s) {
    write(std::string(kPlainPrefix) + line + '\n');
    last_printed_s_ = snapshot.elapsed_s;
  }
}

void ProgressDisplay::finish() {
  if (!live_line_open_) return;
  live_line_open_ = false;
  write("\n");
}

void ProgressDisplay::write(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream_);
  std::fflush(stream_);
}

}  // namespace llmpace::report
