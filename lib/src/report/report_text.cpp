#include "llmpace/report/report_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <vector>

#include "llmpace/core/utf8.hpp"
#include "llmpace/report/number_format.hpp"

namespace llmpace::report {
namespace {

constexpr std::string_view kEllipsis = "...";
/// However narrow the room, a message keeps this many columns (the line then runs longer): the
/// usage problems llmpace writes, "completion_tokens is negative (-5)", are never cut.
constexpr std::size_t kMinMessageColumns = 40;

/// Characters shown as a space: white space, C0 and C1 controls, DEL, and the invisible
/// direction and zero-width marks (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069) that could
/// make a message read differently from what it holds.
bool is_blank(char32_t c) {
  return utf8::is_white_space(c) || c < 0x20 || (c >= 0x7F && c <= 0x9F) ||
         (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

/// Columns left for a message beside `used` columns of other text.
std::size_t message_room(std::size_t max_columns, std::size_t used) {
  return std::max(kMinMessageColumns, max_columns > used ? max_columns - used : 0);
}

}  // namespace

std::string benchmark_name(const BenchmarkReport& benchmark) {
  if (!benchmark.rate) return std::string(to_string(benchmark.profile));
  return fmt::format("{} {}", to_string(benchmark.profile), format_rate(benchmark.rate));
}

std::string approximate_distributions(const metrics::BenchmarkMetrics& metrics,
                                      std::string_view separator) {
  std::string names;
  for (const metrics::DistributionField& field : metrics::kDistributionFields) {
    const metrics::DistributionSummary& summary = metrics.*field.member;
    if (summary.count == 0 || summary.percentiles_exact) continue;
    if (!names.empty()) names += separator;
    names += field.name;
  }
  return names;
}

std::string error_kinds_text(const metrics::BenchmarkMetrics& metrics) {
  std::string text;
  for (const auto& [kind, count] : metrics.errors_by_kind) {
    if (!text.empty()) text += ", ";
    fmt::format_to(std::back_inserter(text), "{} {}", kind, count);
  }
  return text;
}

std::string run_errors_text(const Report& report) {
  std::map<std::string, std::size_t> errors;
  for (const auto& benchmark : report.benchmarks) {
    for (const auto& [kind, count] : benchmark.metrics.errors_by_kind) errors[kind] += count;
  }
  std::string text;
  for (const auto& [kind, count] : errors) {
    fmt::format_to(std::back_inserter(text), "{}{} {}", text.empty() ? "" : ", ", count, kind);
  }
  return text.empty() ? "no request completed" : text;
}

std::string one_line(std::string_view text, std::size_t max_columns) {
  // Code points of the result, each as the bytes it takes; a blank run is one space.
  std::vector<std::string_view> points;
  bool blank_pending = false;
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedCodePoint decoded = utf8::decode_utf8(text, pos);
    const std::size_t length = decoded.length == 0 ? 1 : decoded.length;
    if (decoded.length != 0 && is_blank(decoded.code_point)) {
      blank_pending = !points.empty();
    } else {
      if (blank_pending) points.emplace_back(" ");
      blank_pending = false;
      points.push_back(decoded.length == 0 ? kReplacement : text.substr(pos, length));
    }
    pos += length;
  }
  std::size_t keep = points.size();
  const bool cut = keep > max_columns;
  if (cut) {
    keep = max_columns > kEllipsis.size() ? max_columns - kEllipsis.size() : 0;
    while (keep > 0 && points[keep - 1] == " ") --keep;  // no space before the ellipsis
  }
  std::string line;
  for (std::size_t i = 0; i < keep; ++i) line += points[i];
  if (cut) line += kEllipsis.substr(0, std::min(kEllipsis.size(), max_columns));
  return line;
}

std::string error_kind_text(const metrics::BenchmarkMetrics& metrics, const std::string& kind,
                            std::size_t max_columns) {
  const auto count = metrics.errors_by_kind.find(kind);
  std::string text =
      fmt::format("{} {}", kind, count == metrics.errors_by_kind.end() ? 0 : count->second);
  const auto message = metrics.first_error_by_kind.find(kind);
  if (message == metrics.first_error_by_kind.end() || message->second.empty()) return text;
  text += ", first: ";
  text += one_line(message->second, message_room(max_columns, text.size()));
  return text;
}

std::string usage_problems_text(const metrics::UsageProblems& problems, std::size_t max_columns) {
  if (problems.requests == 0) return "";
  const bool one = problems.requests == 1;
  const std::string head =
      fmt::format("{} request{} had a bad usage object", problems.requests, one ? "" : "s");
  constexpr std::string_view kTail = "; output counted from chunks";
  if (problems.first_message.empty()) return fmt::format("{}{}", head, kTail);
  const std::string_view joint = one ? ": " : ", e.g. ";
  const std::size_t used = head.size() + joint.size() + kTail.size();
  return fmt::format("{}{}{}{}", head, joint,
                     one_line(problems.first_message, message_room(max_columns, used)), kTail);
}

std::optional<std::string> run_text(const nlohmann::json& run, std::string_view key) {
  if (!run.is_object()) return std::nullopt;
  const auto found = run.find(key);
  if (found == run.end() || found->is_null()) return std::nullopt;
  return found->is_string() ? found->get<std::string>() : found->dump();
}

}  // namespace llmpace::report
