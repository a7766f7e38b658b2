// Checks of a scrape's body as a whole (private to lib/src/telemetry): whether it is a document no
// exposition can be, what a refused body looks like, and whether it is OpenMetrics.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::telemetry::detail {

/// Throws ExpositionError when the body starts like a document no exposition can be (HTML, XML,
/// gzip) or holds a NUL byte outside a line that starts with '#'.
void refuse_obvious_non_text(std::string_view body);

/// The one-line ExpositionError message for a body of which no line could be read: what it looks
/// like (JSON, binary data), else the first line's reason.
std::string describe_refused(std::string_view body, const SkippedLine& first_skipped);

/// Whether a line of the body is exactly "# EOF" (blanks and CR aside): the body is OpenMetrics,
/// and its timestamps are seconds.
bool has_eof_line(std::string_view body);

}  // namespace llmpace::telemetry::detail
