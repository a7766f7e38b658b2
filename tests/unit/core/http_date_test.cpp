#include "llmpace/core/http_date.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using llmpace::format_http_date;
using llmpace::parse_http_date;

namespace {

std::chrono::system_clock::time_point unix_time(std::int64_t seconds) {
  return std::chrono::system_clock::time_point{} + std::chrono::seconds(seconds);
}

}  // namespace

TEST_CASE("http date: RFC 9110's example, both ways") {
  REQUIRE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  REQUIRE(format_http_date(unix_time(784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_CASE("http date: whole seconds round down, and every date round-trips") {
  REQUIRE(format_http_date(unix_time(1767225600) + std::chrono::milliseconds(999)) ==
          "Thu, 01 Jan 2026 00:00:00 GMT");
  // A leap day, a year end and this decade, a day at a time and at odd seconds.
  for (std::int64_t seconds = 1709164799; seconds < 1709164799 + 400 * 86400; seconds += 86399) {
    INFO(seconds);
    REQUIRE(parse_http_date(format_http_date(unix_time(seconds))) == seconds);
  }
}

TEST_CASE("http date: anything but an IMF-fixdate gives nothing") {
  for (const char* text : {
           "",
           "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850, obsolete
           "Sun Nov  6 08:49:37 1994",        // asctime, obsolete
           "Mon, 06 Nov 1994 08:49:37 GMT",   // the wrong weekday
           "Sun, 06 Nov 1994 08:49:37 UTC",
           "Sun, 06 Nox 1994 08:49:37 GMT",
           "Sun, 31 Feb 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 24:49:37 GMT",
           "Sun, 06 Nov 1994 08:4a:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT ",
       }) {
    INFO(text);
    REQUIRE_FALSE(parse_http_date(text).has_value());
  }
}

TEST_CASE("http date: the current date is the system clock's, to the second") {
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto parsed = parse_http_date(llmpace::current_http_date());
  const auto after = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  REQUIRE(parsed.has_value());
  REQUIRE(*parsed >= before.time_since_epoch().count());
  REQUIRE(*parsed <= after.time_since_epoch().count());
}
