// The scanner that splits a JSON array into its elements (a private header of the workload
// module).
#include "../../../lib/src/workload/json_array_scanner.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace llmpace::workload::detail;

namespace {

std::vector<std::string> elements(std::string_view text) {
  const auto scan = scan_json_array(text, text.find('['));
  std::vector<std::string> pieces;
  for (const auto& slice : scan.elements) {
    pieces.emplace_back(text.substr(slice.begin, slice.end - slice.begin));
  }
  return pieces;
}

using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("json array scanner finds top-level elements") {
  CHECK(elements("[1, \"two\", {\"a\": [3, 4]}, [5, {\"b\": 6}], null]") ==
        Pieces{"1", "\"two\"", "{\"a\": [3, 4]}", "[5, {\"b\": 6}]", "null"});
  CHECK(elements("[]").empty());
  CHECK(elements("  [ \n ]  ").empty());
}

TEST_CASE("json array scanner is not fooled by brackets commas and escapes in strings") {
  const std::string text =
      R"([{"s": "a ] b, c } [ {"}, {"s": "quote \" and backslash \\"}, "\\\""])";
  CHECK(elements(text) ==
        Pieces{R"({"s": "a ] b, c } [ {"})", R"({"s": "quote \" and backslash \\"})", R"("\\\"")"});
}

TEST_CASE("json array scanner trims whitespace and reports offsets and the end") {
  const std::string text = "[\n  {\"a\": 1}  ,\n  2\n]\n";
  const auto scan = scan_json_array(text, 0);
  REQUIRE(scan.elements.size() == 2);
  CHECK(scan.elements[0].begin == 4);
  CHECK(text.substr(scan.elements[0].begin, scan.elements[0].end - scan.elements[0].begin) ==
        "{\"a\": 1}");
  CHECK(scan.end == text.size() - 1);
}

TEST_CASE("json array scanner accepts a trailing comma and marks empty elements") {
  CHECK(elements("[1, 2,]") == Pieces{"1", "2"});
  const auto scan = scan_json_array("[1,,2]", 0);
  REQUIRE(scan.elements.size() == 3);
  CHECK(scan.elements[1].begin == scan.elements[1].end);
}

TEST_CASE("json array scanner keeps a stray closing brace inside the element") {
  CHECK(elements("[{\"a\": 1}}, 2]") == Pieces{"{\"a\": 1}}", "2"});
}

TEST_CASE("json array scanner throws when the array never closes") {
  try {
    (void)scan_json_array("[1, {\"a\": \"unterminated}]", 0);
    FAIL("no exception");
  } catch (const JsonScanError& error) {
    CHECK(error.offset == 4);
    CHECK(std::string(error.what()).find("not closed") != std::string::npos);
  }
  CHECK_THROWS_AS(scan_json_array("[1, 2", 0), JsonScanError);
  CHECK_THROWS_AS(scan_json_array("[1, 2,   ", 0), JsonScanError);
}

TEST_CASE("find_wrapped_array finds the one array field of a single object") {
  const std::string text = R"( {"version": 2, "data": [{"prompt": "x"}], "name": "n, [odd]"} )";
  const auto offset = find_wrapped_array(text);
  REQUIRE(offset);
  CHECK(text.substr(*offset, 5) == "[{\"pr");
  CHECK(find_wrapped_array(R"({"data": []})") == std::size_t{9});
}

TEST_CASE("find_wrapped_array refuses anything else") {
  CHECK_FALSE(find_wrapped_array(R"({"a": [1], "b": [2]})"));     // two arrays
  CHECK_FALSE(find_wrapped_array(R"({"prompt": "x"})"));          // no array
  CHECK_FALSE(find_wrapped_array("{\"a\": [1]}\n{\"a\": [2]}"));  // JSON lines
  CHECK_FALSE(find_wrapped_array(R"({"a": [1]}})"));              // trailing text
  CHECK_FALSE(find_wrapped_array(R"([{"a": [1]}])"));             // an array
  CHECK_FALSE(find_wrapped_array(R"({"a": [1)"));                 // never closes
  CHECK_FALSE(find_wrapped_array(""));
}
