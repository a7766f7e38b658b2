// Number formatting shared by the report writers (console, HTML, compare, CSV), so one kind of
// number reads the same in every output.
//
// A NaN or infinite value can reach a writer only from a report read back with a null number.
// The HTML page and compare show it as "-"; the console table has always shown fmt's own text
// ("nan", "inf"), and asks for that with NonFinite::as_number.
//
// Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmpace::report {

/// What a writer shows for a number it does not have (no samples, no rate, NaN).
inline constexpr std::string_view kAbsent = "-";

/// How a NaN or infinite value is written.
enum class NonFinite {
  absent,     // kAbsent
  as_number,  // as fmt writes it: "nan", "inf", "-inf"
};

/// Milliseconds with at least three significant digits and no more than a reader needs:
/// "0.123", "4.56", "78.9", "1235" (whole from 1000 ms up).
std::string format_ms(double value_ms, NonFinite non_finite = NonFinite::absent);

/// `decimals` digits after the point, rounded to nearest: format_fixed(2.345, 1) == "2.3" (the
/// double below 2.345), format_fixed(1234.5, 0) == "1234" (ties to even).
std::string format_fixed(double value, int decimals, NonFinite non_finite = NonFinite::absent);

/// A benchmark's rate (streams, or requests per second): whole rates without decimals ("8"), the
/// others with two ("2.50"); kAbsent for none or a non-finite rate.
std::string format_rate(const std::optional<double>& rate);

/// The shortest text that reads back as the same double ("0.1", "1e+20"): CSV cells. Empty for
/// none, NaN and infinities, which spreadsheets do not read as numbers.
std::string exact_number(const std::optional<double>& value);

}  // namespace llmpace::report
