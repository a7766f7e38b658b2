// Finds the top-level elements of a JSON array without parsing them, so that each element can be
// parsed on its own (one malformed element is one bad row) and located by line.
//
// The scan tracks strings (with backslash escapes) and nesting depth only: it does not validate the
// elements, whose parser reports what is wrong with them. Mismatched brackets inside an element may
// split it at the wrong place; the pieces then fail to parse, each with its own line.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmpace::workload::detail {

/// A piece of the text: [begin, end) offsets, without surrounding whitespace.
struct JsonSlice {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// The array cannot be delimited (it never closes). `offset` is where the problem shows.
class JsonScanError : public std::runtime_error {
 public:
  JsonScanError(std::size_t offset_in, const std::string& message)
      : std::runtime_error(message), offset(offset_in) {}
  std::size_t offset;
};

struct JsonArrayScan {
  std::vector<JsonSlice> elements;  // in order; an empty slice is an empty element ("[1,,2]")
  std::size_t end = 0;              // offset just past the closing ']'
};

/// Scans the array whose '[' is at text[open]. A trailing comma before ']' is accepted. Throws
/// JsonScanError when the text ends before the array closes.
JsonArrayScan scan_json_array(std::string_view text, std::size_t open);

/// When the text is exactly one JSON object (only whitespace after it) with exactly one field whose
/// value is an array ({"data": [...]}, maybe beside scalar fields), the offset of that array's '['.
std::optional<std::size_t> find_wrapped_array(std::string_view text);

/// Offset of the first character that is not JSON whitespace at or after `pos` (text.size() if
/// none).
std::size_t skip_json_space(std::string_view text, std::size_t pos);

}  // namespace llmpace::workload::detail
