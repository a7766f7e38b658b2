// Progress line formatting; the rules for each field and number are in the header.
#include "llmpace/report/progress_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "llmpace/report/number_format.hpp"

namespace llmpace::report {
namespace {

constexpr std::string_view kSeparator = " | ";
constexpr std::string_view kEllipsis = "...";
constexpr std::uint64_t kExactCountBelow = 100'000;
constexpr std::size_t kMinLabelBytes = 8;  // a shortened label keeps at least "[10/10]"

// The fields after the label, in order.
enum Field : std::size_t { kProgress, kCounts, kRate, kMedians, kFieldCount };

/// Three significant digits in fixed notation (values of 1000 and up keep all their digits).
std::string three_digits(double value) {
  const double magnitude = std::abs(value);
  if (magnitude < 9.995) return fmt::format("{:.2f}", value);
  if (magnitude < 99.95) return fmt::format("{:.1f}", value);
  return fmt::format("{:.0f}", value);
}

std::string format_latency(const std::optional<double>& value_ms) {
  if (!value_ms || !std::isfinite(*value_ms)) return std::string(kAbsent);
  if (std::abs(*value_ms) < 999.5) return three_digits(*value_ms) + " ms";
  return three_digits(*value_ms / 1000) + " s";
}

/// Exact below kExactCountBelow, else three significant digits rounded down with a suffix.
std::string format_count(std::uint64_t count) {
  if (count < kExactCountBelow) return fmt::format("{}", count);
  constexpr std::array<char, 6> kSuffixes{'k', 'M', 'G', 'T', 'P', 'E'};
  std::uint64_t unit = 1000;
  std::size_t suffix = 0;
  while (suffix + 1 < kSuffixes.size() && count / unit >= 1000) {
    unit *= 1000;
    ++suffix;
  }
  // count / unit is in [1, 1000): keep three digits in all, truncating the rest.
  const std::uint64_t whole = count / unit;
  const std::uint64_t decimals = whole < 10 ? 2 : whole < 100 ? 1 : 0;
  std::uint64_t scale = 1;
  for (std::uint64_t i = 0; i < decimals; ++i) scale *= 10;
  const std::uint64_t fraction = (count % unit) / (unit / scale);
  if (decimals == 0) return fmt::format("{}{}", whole, kSuffixes[suffix]);
  return fmt::format("{}.{:0{}}{}", whole, fraction, decimals, kSuffixes[suffix]);
}

std::string format_limit_seconds(double seconds) {
  if (seconds == std::floor(seconds) && std::abs(seconds) < 1e15) {
    return fmt::format("{:.0f} s", seconds);
  }
  return fmt::format("{:.1f} s", seconds);
}

std::string format_progress(const metrics::ProgressSnapshot& snapshot) {
  std::string elapsed = fmt::format("{:.1f} s", snapshot.elapsed_s);
  if (!snapshot.max_seconds && !snapshot.max_requests) return elapsed;
  std::string progress;
  if (snapshot.max_seconds) {
    progress = fmt::format("{} / {}", elapsed, format_limit_seconds(*snapshot.max_seconds));
  }
  if (snapshot.max_requests) {
    const auto limit =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, *snapshot.max_requests));
    if (!progress.empty()) progress += ", ";
    progress += fmt::format("{} / {} req", format_count(snapshot.successful + snapshot.errored),
                            format_count(limit));
  }
  return progress;
}

std::string format_counts(const metrics::ProgressSnapshot& snapshot) {
  std::string counts =
      fmt::format("{} ok, {} in flight, {} err", format_count(snapshot.successful),
                  format_count(snapshot.in_flight), format_count(snapshot.errored));
  if (snapshot.dropped > 0) counts += fmt::format(", {} dropped", format_count(snapshot.dropped));
  return counts;
}

/// The longest prefix of `text` of at most `max_bytes` that does not split a UTF-8 sequence.
std::string_view cut(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

/// The label and the non-empty fields, separated.
std::string join(std::string_view label, const std::vector<std::string>& fields) {
  std::string line(label);
  for (const std::string& field : fields) {
    if (field.empty()) continue;
    if (!line.empty()) line += kSeparator;
    line += field;
  }
  return line;
}

/// `label` in at most `max_bytes`, ending in the ellipsis: cut after a whole word when it has
/// more than one, so that no number in it is shown cut short.
std::string shortened(std::string_view label, std::size_t max_bytes) {
  std::string_view kept = cut(label, max_bytes - kEllipsis.size());
  if (kept.size() < label.size() && label[kept.size()] != ' ') {
    const auto space = kept.rfind(' ');
    if (space != std::string_view::npos && space > 0) kept = kept.substr(0, space);
  }
  while (!kept.empty() && kept.back() == ' ') kept.remove_suffix(1);
  return fmt::format("{}{}", kept, kEllipsis);
}

/// The label as it is when it fits beside the fields, else shortened to the room they leave (but
/// to no less than kMinLabelBytes and the ellipsis).
std::string fitted_label(std::string_view label, const std::vector<std::string>& fields) {
  const std::size_t tail = join("", fields).size() + kSeparator.size();
  if (label.empty() || label.size() + tail <= kProgressLineWidth) return std::string(label);
  constexpr std::size_t kShortest = kMinLabelBytes + kEllipsis.size();
  if (label.size() <= kShortest) return std::string(label);
  const std::size_t room = tail < kProgressLineWidth ? kProgressLineWidth - tail : 0;
  return shortened(label, std::max(room, kShortest));
}

}  // namespace

std::string format_progress_line(std::string_view label,
                                 const metrics::ProgressSnapshot& snapshot) {
  std::vector<std::string> fields(kFieldCount);
  fields[kProgress] = format_progress(snapshot);
  fields[kCounts] = format_counts(snapshot);
  fields[kRate] = fmt::format("{:.1f} req/s", snapshot.successful_per_s);
  fields[kMedians] = fmt::format("p50 TTFT {}, ITL {}", format_latency(snapshot.ttft_p50_ms),
                                 format_latency(snapshot.itl_p50_ms));
  // When even the shortest label leaves too little room, whole fields give way, so that no number
  // is ever cut short: req/s, then the medians, then the counts.
  for (const std::size_t field : {kRate, kMedians, kCounts}) {
    if (join(fitted_label(label, fields), fields).size() <= kProgressLineWidth) break;
    fields[field].clear();
  }
  const std::string line = join(fitted_label(label, fields), fields);
  // Only a field wider than the whole line (absurd values) is cut.
  return std::string(cut(line, kProgressLineWidth));
}

}  // namespace llmpace::report
