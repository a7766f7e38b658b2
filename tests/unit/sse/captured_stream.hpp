// Helpers for tests that replay captured server streams from tests/data.
#pragma once

#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/sse/sse_parser.hpp"

namespace llmpace::test {

/// The bytes of tests/data/<name>, exactly as stored (binary mode: CRLF files stay CRLF).
inline std::string read_captured_stream(std::string_view name) {
  const std::string path = std::string(LLMPACE_TEST_DATA_DIR) + "/" + std::string(name);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open test data file " + path);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

/// Feeds `pieces` in order to a fresh parser and returns every dispatched event.
inline std::vector<sse::SseEvent> parse_pieces(const std::vector<std::string_view>& pieces) {
  std::vector<sse::SseEvent> events;
  sse::SseParser parser(
      [&events](const sse::SseEventView& event) { events.push_back(event.owned()); });
  for (std::string_view piece : pieces) parser.feed(piece);
  parser.finish();
  return events;
}

inline std::vector<sse::SseEvent> parse_whole(std::string_view bytes) {
  return parse_pieces({bytes});
}

}  // namespace llmpace::test

namespace llmpace::sse {

inline bool operator==(const SseEvent& a, const SseEvent& b) {
  return a.event == b.event && a.data == b.data && a.id == b.id;
}

inline std::ostream& operator<<(std::ostream& out, const SseEvent& event) {
  return out << "{event=" << event.event << " id=" << event.id << " data=" << event.data << "}";
}

}  // namespace llmpace::sse
