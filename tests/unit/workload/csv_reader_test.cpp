// The RFC 4180 reader behind CSV datasets (a private header of the workload module).
#include "../../../lib/src/workload/csv_reader.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using llmpace::workload::detail::CsvReader;
using llmpace::workload::detail::CsvRecord;

namespace {

std::vector<CsvRecord> read_all(std::string_view text) {
  CsvReader reader(text);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("csv reader splits plain records on commas and line ends") {
  const auto records = read_all("a,b,c\n1,2,3\nx,,z");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"a", "b", "c"});
  CHECK(records[1].fields == Fields{"1", "2", "3"});
  CHECK(records[2].fields == Fields{"x", "", "z"});
  CHECK(records[0].line == 1);
  CHECK(records[2].line == 3);
  for (const auto& record : records) CHECK(record.error.empty());
}

TEST_CASE("csv reader unquotes fields with commas and doubled quotes") {
  const auto records = read_all("\"a, b\",\"say \"\"hi\"\"\",\"\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a, b", "say \"hi\"", ""});
  CHECK(records[0].error.empty());
}

TEST_CASE("csv reader keeps line breaks inside quotes and counts the lines") {
  const auto records =
      read_all("h1,h2\n\"one\ntwo\nthree\",x\nnext,y\n\"crlf\r\ninside\",z\r\nlast,w\r\n");
  REQUIRE(records.size() == 5);
  CHECK(records[1].fields == Fields{"one\ntwo\nthree", "x"});
  CHECK(records[1].line == 2);
  CHECK(records[2].fields == Fields{"next", "y"});
  CHECK(records[2].line == 5);
  CHECK(records[3].fields == Fields{"crlf\r\ninside", "z"});
  CHECK(records[3].line == 6);
  CHECK(records[4].line == 8);
}

TEST_CASE("csv reader counts a lone CR inside quotes as a line break") {
  const auto records = read_all("\"a\rb\",x\n\"c\r\",y\nlast,z\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"a\rb", "x"});
  CHECK(records[1].fields == Fields{"c\r", "y"});
  CHECK(records[1].line == 3);
  CHECK(records[2].line == 5);
}

TEST_CASE("csv reader accepts CRLF LF and lone CR record ends") {
  const auto records = read_all("a,b\r\nc,d\ne,f\rg,h");
  REQUIRE(records.size() == 4);
  CHECK(records[1].fields == Fields{"c", "d"});
  CHECK(records[2].fields == Fields{"e", "f"});
  CHECK(records[3].fields == Fields{"g", "h"});
  CHECK(records[3].line == 4);
}

TEST_CASE("csv reader skips a UTF-8 BOM and empty lines") {
  const auto records = read_all("\xEF\xBB\xBFname,value\n\n\r\n1,2\n\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"name", "value"});
  CHECK(records[1].fields == Fields{"1", "2"});
  CHECK(records[1].line == 4);
}

TEST_CASE("csv reader gives a trailing comma an empty last field") {
  auto records = read_all("a,b,\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b", ""});
  records = read_all("a,b,");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b", ""});
}

TEST_CASE("csv reader reads nothing from empty text") {
  CHECK(read_all("").empty());
  CHECK(read_all("\n\r\n").empty());
  CHECK(read_all("\xEF\xBB\xBF").empty());
}

TEST_CASE("csv reader keeps a quote inside an unquoted field") {
  const auto records = read_all("5\" disk,ok\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"5\" disk", "ok"});
  CHECK(records[0].error.empty());
}

TEST_CASE("csv reader flags text after a closing quote and resumes at the next field") {
  const auto records = read_all("\"ab\"cd,next\nfine,row\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"abcd", "next"});
  CHECK(records[0].error == "text after a closing quote");
  CHECK(records[1].fields == Fields{"fine", "row"});
  CHECK(records[1].error.empty());
}

TEST_CASE("csv reader flags a quoted field that never closes") {
  const auto records = read_all("a,b\nok,1\nbad,\"open\nand on\nto the end\n");
  REQUIRE(records.size() == 3);
  CHECK(records[2].line == 3);
  CHECK(records[2].error == "unterminated quoted field (its quote opens on line 3)");
  CHECK(records[2].fields == Fields{"bad", "open\nand on\nto the end\n"});
}

TEST_CASE("csv reader reuses the record it is given") {
  CsvReader reader("a,b,c\nd\n");
  CsvRecord record;
  REQUIRE(reader.next(record));
  CHECK(record.fields.size() == 3);
  REQUIRE(reader.next(record));
  CHECK(record.fields == Fields{"d"});
  CHECK(record.line == 2);
  CHECK_FALSE(reader.next(record));
}
