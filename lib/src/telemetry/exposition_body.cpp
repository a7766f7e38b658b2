#include "exposition_body.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "exposition_lexing.hpp"

namespace llmpace::telemetry::detail {

using lexing::has_class;
using lexing::quote_for_message;
using lexing::skip_blanks;

// What a body that is not Prometheus text looks like, for the one-line error.
std::string describe_refused(std::string_view body, const SkippedLine& first_skipped) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  const std::string_view start = body.substr(first == std::string_view::npos ? 0 : first);
  const std::string shown = quote_for_message(start, 60);
  if (!start.empty() && (start[0] == '{' || start[0] == '[')) {
    return fmt::format("the body is not Prometheus text: it looks like JSON ({})", shown);
  }
  const std::string_view head = start.substr(0, 512);
  const bool binary =
      std::any_of(head.begin(), head.end(),
                  [](char c) {
                    const auto byte = static_cast<unsigned char>(c);
                    return (byte < 0x20 && c != '\t' && c != '\r' && c != '\n') || byte == 0x7F;
                  }) ||
      !lexing::is_valid_utf8(head.substr(0, head.size() > 4 ? head.size() - 4 : head.size()));
  if (binary)
    return fmt::format("the body is not Prometheus text: it looks like binary data ({})", shown);
  return fmt::format("the body is not Prometheus text: no line of it could be read (line {}: {})",
                     first_skipped.line_number, first_skipped.reason);
}

// Throws when the body starts like a document no exposition can be (HTML, XML, gzip) or holds a
// NUL byte outside a comment line.
void refuse_obvious_non_text(std::string_view body) {
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return;
  const std::string_view start = body.substr(first);
  if (start[0] == '<') {
    const std::string_view kind =
        start.size() >= 5 && (start.substr(0, 5) == "<?xml" || start.substr(0, 5) == "<?XML")
            ? "XML"
            : "HTML";
    throw ExpositionError(fmt::format("the body is not Prometheus text: it looks like {} ({})",
                                      kind, quote_for_message(start, 60)));
  }
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1F &&
      static_cast<unsigned char>(body[1]) == 0x8B) {
    throw ExpositionError(
        "the body is not Prometheus text: it is gzip-compressed (no Content-Encoding handled)");
  }
  // NUL: no server writes one in a sample line. OpenMetrics allows one in the text of a HELP line
  // or comment, so a NUL is tolerated in a line that starts with '#'.
  std::size_t from = 0;
  while (from < body.size()) {
    const void* hit = std::memchr(body.data() + from, '\0', body.size() - from);
    if (hit == nullptr) return;
    const std::size_t nul = static_cast<const char*>(hit) - body.data();
    const std::size_t line_start = [&] {
      const std::size_t newline = body.rfind('\n', nul);
      return newline == std::string_view::npos ? 0 : newline + 1;
    }();
    const std::size_t content = skip_blanks(body, line_start);
    if (content >= body.size() || body[content] != '#') {
      const std::size_t line_number =
          1 + static_cast<std::size_t>(std::count(body.begin(), body.begin() + nul, '\n'));
      throw ExpositionError(fmt::format(
          "the body is not Prometheus text: it looks like binary data (a NUL byte on line {})",
          line_number));
    }
    const std::size_t line_end = body.find('\n', nul);
    from = line_end == std::string_view::npos ? body.size() : line_end + 1;
  }
}

// Whether a line of the body is exactly "# EOF" (blanks and CR aside): the body is OpenMetrics,
// and its timestamps are seconds.
bool has_eof_line(std::string_view body) {
  for (std::size_t from = 0;;) {
    const std::size_t hit = body.find("# EOF", from);
    if (hit == std::string_view::npos) return false;
    from = hit + 5;
    std::size_t before = hit;
    while (before > 0 && has_class(body[before - 1], lexing::kBlank)) --before;
    if (before > 0 && body[before - 1] != '\n') continue;
    std::size_t after = hit + 5;
    while (after < body.size() && (has_class(body[after], lexing::kBlank) || body[after] == '\r')) {
      ++after;
    }
    if (after == body.size() || body[after] == '\n') return true;
  }
}

}  // namespace llmpace::telemetry::detail
