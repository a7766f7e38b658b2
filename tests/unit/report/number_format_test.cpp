#include "llmpace/report/number_format.hpp"

#include <catch2/catch.hpp>
#include <limits>
#include <optional>
#include <string>

using llmpace::report::exact_number;
using llmpace::report::format_fixed;
using llmpace::report::format_ms;
using llmpace::report::format_rate;
using llmpace::report::NonFinite;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("format_ms: three significant digits at least, whole from 1000 ms", "[number_format]") {
  CHECK(format_ms(0) == "0.000");
  CHECK(format_ms(0.1234) == "0.123");
  CHECK(format_ms(0.0004) == "0.000");
  CHECK(format_ms(1) == "1.00");
  CHECK(format_ms(4.567) == "4.57");
  CHECK(format_ms(78.94) == "78.9");
  CHECK(format_ms(999.9) == "999.9");
  CHECK(format_ms(1000) == "1000");
  CHECK(format_ms(1234.4) == "1234");
  CHECK(format_ms(123456789.0) == "123456789");
  CHECK(format_ms(-2.5) == "-2.50");
  CHECK(format_ms(-1500) == "-1500");
}

TEST_CASE("format_ms: the digits follow the value before rounding", "[number_format]") {
  // The number of decimals is chosen from the unrounded value, so rounding may carry it to the
  // next decade while keeping that decade's decimals.
  CHECK(format_ms(0.9996) == "1.000");
  CHECK(format_ms(9.999) == "10.00");
  CHECK(format_ms(999.96) == "1000.0");
  // Rounding is that of the double's exact value: 0.0005 is stored just above it, 1234.5 and
  // 1235.5 exactly (a tie rounds to even).
  CHECK(format_ms(0.0005) == "0.001");
  CHECK(format_ms(1234.5) == "1234");
  CHECK(format_ms(1235.5) == "1236");
}

TEST_CASE("format_ms: NaN and infinities are absent, or fmt's text when asked", "[number_format]") {
  CHECK(format_ms(kNaN) == "-");
  CHECK(format_ms(kInfinity) == "-");
  CHECK(format_ms(-kInfinity) == "-");
  CHECK(format_ms(kNaN, NonFinite::as_number) == "nan");
  CHECK(format_ms(kInfinity, NonFinite::as_number) == "inf");
  CHECK(format_ms(-kInfinity, NonFinite::as_number) == "-inf");
  // Finite values are the same either way.
  CHECK(format_ms(12.34, NonFinite::as_number) == format_ms(12.34));
}

TEST_CASE("format_fixed: the given decimals, rounded to nearest", "[number_format]") {
  CHECK(format_fixed(0, 1) == "0.0");
  CHECK(format_fixed(0, 0) == "0");
  CHECK(format_fixed(12.345678, 2) == "12.35");
  CHECK(format_fixed(2.675, 2) == "2.67");  // the double is 2.67499999...
  CHECK(format_fixed(0.5, 0) == "0");       // ties to even
  CHECK(format_fixed(1.5, 0) == "2");
  CHECK(format_fixed(-0.04, 1) == "-0.0");  // the sign stays
  CHECK(format_fixed(1e12, 1) == "1000000000000.0");
  CHECK(format_fixed(0.75, 3) == "0.750");
  CHECK(format_fixed(kNaN, 2) == "-");
  CHECK(format_fixed(kInfinity, 1) == "-");
  CHECK(format_fixed(kNaN, 2, NonFinite::as_number) == "nan");
  CHECK(format_fixed(kInfinity, 1, NonFinite::as_number) == "inf");
}

TEST_CASE("format_rate: whole rates without decimals, others with two", "[number_format]") {
  CHECK(format_rate(std::nullopt) == "-");
  CHECK(format_rate(0.0) == "0");
  CHECK(format_rate(8.0) == "8");
  CHECK(format_rate(2.5) == "2.50");
  CHECK(format_rate(0.125) == "0.12");  // a tie, to even
  CHECK(format_rate(2.999) == "3.00");  // not whole, so two decimals even when they round away
  CHECK(format_rate(999999999.0) == "999999999");
  CHECK(format_rate(1e9) == "1000000000.00");  // large rates keep their decimals
  CHECK(format_rate(kNaN) == "-");
  CHECK(format_rate(kInfinity) == "-");
}

TEST_CASE("exact_number: the shortest text that reads back, empty when absent", "[number_format]") {
  CHECK(exact_number(std::nullopt).empty());
  CHECK(exact_number(kNaN).empty());
  CHECK(exact_number(kInfinity).empty());
  CHECK(exact_number(-kInfinity).empty());
  CHECK(exact_number(0.0) == "0");
  CHECK(exact_number(8.0) == "8");
  CHECK(exact_number(0.1) == "0.1");
  CHECK(exact_number(123.456) == "123.456");
  CHECK(exact_number(1e20) == "1e+20");
  CHECK(exact_number(-2.5) == "-2.5");
  for (const double value : {1.0 / 3, 2.0 / 3 * 1e-7, 123456.789e10, 0.1 + 0.2}) {
    INFO(value);
    CHECK(std::stod(exact_number(value)) == value);
  }
}
