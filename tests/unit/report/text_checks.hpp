// Small text checks shared by the report tests. Header-only.
#pragma once

#include <cstddef>
#include <string>

namespace llmpace::test {

/// How many times `part` occurs in `text` (overlapping occurrences counted).
inline std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace llmpace::test
