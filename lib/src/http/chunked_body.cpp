#include "llmpace/http/chunked_body.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace llmpace::http {

namespace {

/// Whether `text` (chunk extensions, or a trailer field, without its CRLF) has no byte a field
/// line cannot have: a control character other than HTAB.
bool is_line_text(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char byte) {
    const auto code = static_cast<unsigned char>(byte);
    return (code < 0x20 && byte != '\t') || code == 0x7f;
  });
}

}  // namespace

void ChunkedBody::reset() {
  state_ = State::size_line;
  data_left_ = 0;
  error_.clear();
}

std::size_t ChunkedBody::fail(std::string message) {
  state_ = State::failed;
  error_ = "bad chunked body: " + message;
  return 0;
}

std::size_t ChunkedBody::read_framing(std::string_view bytes) {
  switch (state_) {
    case State::data_end:
      if (bytes[0] != '\r' || (bytes.size() > 1 && bytes[1] != '\n')) {
        return fail("a chunk's data is not followed by CRLF");
      }
      if (bytes.size() < 2) return 0;
      state_ = State::size_line;
      return 2;
    case State::size_line:
    case State::trailer: {
      const void* const line_feed =
          std::memchr(bytes.data(), '\n', std::min(bytes.size(), kMaxLineBytes));
      if (line_feed == nullptr) {
        if (bytes.size() >= kMaxLineBytes) return fail("a line longer than 4096 bytes");
        return 0;
      }
      const auto length =
          static_cast<std::size_t>(static_cast<const char*>(line_feed) - bytes.data()) + 1;
      if (length < 2 || bytes[length - 2] != '\r') return fail("a line that does not end in CRLF");
      const std::string_view line = bytes.substr(0, length - 2);
      if (state_ == State::size_line) return read_size_line(line) ? length : 0;
      if (line.empty()) {
        state_ = State::done;  // the empty line after the trailer fields
      } else if (!is_line_text(line)) {
        return fail("a control character in a trailer field");
      }
      return length;
    }
    case State::data:
    case State::done:
    case State::failed:
      break;
  }
  return 0;
}

bool ChunkedBody::read_size_line(std::string_view line) {
  std::uint64_t size = 0;
  std::size_t digits = 0;
  for (; digits < line.size(); ++digits) {
    const int value = kHexValues[static_cast<unsigned char>(line[digits])];
    if (value < 0) break;
    if (size > std::numeric_limits<std::uint64_t>::max() >> 4) {
      fail("a chunk size beyond 64 bits");
      return false;
    }
    size = size << 4 | static_cast<std::uint64_t>(value);
  }
  if (digits == 0) {
    fail("a chunk size that is not hexadecimal");
    return false;
  }
  // Chunk extensions: optional spaces or tabs, then ';' and the rest of the line, skipped.
  std::string_view extensions = line.substr(digits);
  extensions.remove_prefix(std::min(extensions.find_first_not_of(" \t"), extensions.size()));
  if (extensions.size() != line.size() - digits &&
      (extensions.empty() || extensions.front() != ';')) {
    fail("spaces after a chunk size");
    return false;
  }
  if (!extensions.empty() && (extensions.front() != ';' || !is_line_text(extensions))) {
    fail("a chunk size followed by something other than extensions");
    return false;
  }
  if (size == 0) {
    state_ = State::trailer;
  } else {
    state_ = State::data;
    data_left_ = size;
  }
  return true;
}

}  // namespace llmpace::http
