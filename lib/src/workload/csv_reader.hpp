// A small RFC 4180 CSV reader: Debian ships no CSV library on our dependency list, so this is ours.
//
// Reads records from text held in memory: comma-separated fields, fields in double quotes may hold
// commas, line breaks and "" (an escaped quote); records end with LF, CRLF or a lone CR; a UTF-8
// BOM at the start is skipped, and so are empty lines. Every record knows the 1-based line it
// starts on (a quoted field spanning lines makes the next record start further down).
//
// Lenient where real files stray from the RFC, strict where data would silently shift:
//   - a quote inside an unquoted field is kept as a literal character (ab"c reads as ab"c);
//   - text after a closing quote ("ab"c) is kept, and the record carries an error;
//   - a quoted field still open at the end of the text ends the record there, with an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::workload::detail {

struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;  // 1-based line where the record starts
  std::string error;     // non-empty when the record is malformed (see above)
};

class CsvReader {
 public:
  /// `text` must outlive the reader.
  explicit CsvReader(std::string_view text);

  /// Reads the next record into `record` (reusing its storage); false at the end of the text.
  bool next(CsvRecord& record);

 private:
  void read_quoted(CsvRecord& record, std::string& field);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace llmpace::workload::detail
