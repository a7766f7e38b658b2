// HTTP dates (RFC 9110 §5.6.7, IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT". A server's `Date`
// header says what its clock read, to the second, when it made the response; the engine uses it
// to bound the offset between the server's clock and this process's (metrics::ServerClock).
//
// Safe from any thread (current_http_date keeps one cache per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmpace {

/// `time` (whole seconds, rounded down) as an IMF-fixdate.
std::string format_http_date(std::chrono::system_clock::time_point time);

/// The system clock now as an IMF-fixdate, for a server's Date header: formatted once a second
/// per thread (the reference stays valid until this thread's next call).
const std::string& current_http_date();

/// The Unix seconds of an IMF-fixdate; nothing for any other text (the obsolete RFC 850 and
/// asctime forms included: servers must send IMF-fixdate, and a guess would be worse than none).
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace llmpace
