#include "llmpace/core/http_date.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace llmpace {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// The `digits`-digit decimal number at `text[at]`, or -1.
int number_at(std::string_view text, std::size_t at, std::size_t digits) {
  int value = 0;
  const char* begin = text.data() + at;
  const auto [end, error] = std::from_chars(begin, begin + digits, value);
  return error == std::errc{} && end == begin + digits ? value : -1;
}

}  // namespace

std::string format_http_date(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(time);
  const auto day = floor<days>(seconds);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                     kWeekdays[weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
                     kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

const std::string& current_http_date() {
  thread_local std::chrono::sys_seconds cached_second{};
  thread_local std::string cached_text;
  const auto now = std::chrono::system_clock::now();
  const auto second = std::chrono::floor<std::chrono::seconds>(now);
  if (cached_text.empty() || second != cached_second) {
    cached_second = second;
    cached_text = format_http_date(now);
  }
  return cached_text;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  using namespace std::chrono;
  // "Sun, 06 Nov 1994 08:49:37 GMT": every field at a fixed place.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  std::size_t month_index = kMonths.size();
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month_index = i;
  }
  const int day_number = number_at(text, 5, 2);
  const int year_number = number_at(text, 12, 4);
  const int hour = number_at(text, 17, 2);
  const int minute = number_at(text, 20, 2);
  const int second = number_at(text, 23, 2);
  if (month_index == kMonths.size() || day_number < 0 || year_number < 0 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const year_month_day date{year{year_number}, month{static_cast<unsigned>(month_index) + 1},
                            day{static_cast<unsigned>(day_number)}};
  if (!date.ok()) return std::nullopt;
  const sys_days day_start{date};
  if (text.substr(0, 3) != kWeekdays[weekday{day_start}.c_encoding()]) return std::nullopt;
  const auto time = day_start + hours{hour} + minutes{minute} + seconds{second};
  return time.time_since_epoch().count();
}

}  // namespace llmpace
