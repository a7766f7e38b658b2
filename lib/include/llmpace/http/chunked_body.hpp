// ChunkedBody: takes the chunked transfer coding (RFC 9112 §7.1) off a response body as its bytes
// arrive: each chunk's size line, the CRLF after its data, the last chunk and the trailer section.
//
// Hand-written rather than left to Beast, which reads the response head (ResponseReader): a
// streaming server sends one HTTP chunk per token, and Beast's basic_parser spends about 220
// instructions on each (its chunk-size line parser and a put() call per chunk); this reads the
// usual framing between two chunks in place, in a few dozen. Beast stays the reference: the
// response reader's fuzz target checks that whatever Beast reads as a chunked body, this reads to
// the same bytes.
//
// What it takes: a size line of hex digits (any number of leading zeros; a value beyond 64 bits is
// an error), then either its CRLF or chunk extensions, which start with ';' after optional spaces
// or tabs and are skipped, not checked (no server sends any); trailer fields, skipped the same way
// up to the empty line. Every line ends in CRLF and is at most kMaxLineBytes long.
//
// Sans-IO. Like ResponseReader::feed(), it consumes lines only whole: the caller keeps what was
// not consumed in front of its next read.
// Thread affinity: none; one body at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmpace::http {

class ChunkedBody {
 public:
  /// Longest size line or trailer line accepted, its CRLF included.
  static constexpr std::size_t kMaxLineBytes = 4096;

  /// Consumes what it can of `bytes`, passing each run of chunk data to `on_data(string_view)`.
  /// Returns how many bytes it consumed: the rest must be fed again, followed by more. Consumes
  /// nothing once the body is done or failed.
  template <typename OnData>
  std::size_t feed(std::string_view bytes, OnData&& on_data) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      if (state_ == State::data) {
        const auto size =
            static_cast<std::size_t>(std::min<std::uint64_t>(data_left_, bytes.size() - at));
        on_data(bytes.substr(at, size));
        at += size;
        data_left_ -= size;
        if (data_left_ == 0) state_ = State::data_end;
        continue;
      }
      std::size_t used = read_usual_framing(bytes.substr(at));
      if (used == 0) used = read_framing(bytes.substr(at));
      if (used == 0) break;  // a line not yet whole, or the end, or a failure
      at += used;
    }
    return at;
  }

  /// The last chunk and the trailer section have been read.
  [[nodiscard]] bool done() const { return state_ == State::done; }
  [[nodiscard]] bool failed() const { return state_ == State::failed; }
  /// What was wrong with the framing; empty unless failed().
  [[nodiscard]] const std::string& error() const { return error_; }

  /// Starts over for the next body.
  void reset();

 private:
  enum class State : std::uint8_t { size_line, data, data_end, trailer, done, failed };

  /// The value of each byte as a hex digit, or -1.
  static constexpr std::array<std::int8_t, 256> kHexValues = [] {
    std::array<std::int8_t, 256> values{};
    values.fill(-1);
    for (int digit = 0; digit < 10; ++digit) values['0' + digit] = static_cast<std::int8_t>(digit);
    for (int digit = 0; digit < 6; ++digit) {
      values['a' + digit] = values['A' + digit] = static_cast<std::int8_t>(10 + digit);
    }
    return values;
  }();

  /// The framing between two chunks as servers send it, read in place: the CRLF after a chunk's
  /// data (in state data_end), then a size line of at most 16 hex digits, not 0, and its CRLF.
  /// Returns the bytes it took, or 0 for anything else (read_framing() decides).
  std::size_t read_usual_framing(std::string_view bytes) {
    std::size_t at = 0;
    if (state_ == State::data_end) {
      if (bytes.size() < 2 || bytes[0] != '\r' || bytes[1] != '\n') return 0;
      at = 2;
    } else if (state_ != State::size_line) {
      return 0;
    }
    const std::size_t digits_from = at;
    std::uint64_t size = 0;
    while (at < bytes.size() && at - digits_from < 16) {
      const int value = kHexValues[static_cast<unsigned char>(bytes[at])];
      if (value < 0) break;
      size = size << 4 | static_cast<std::uint64_t>(value);
      ++at;
    }
    if (at == digits_from || size == 0 || bytes.size() - at < 2 || bytes[at] != '\r' ||
        bytes[at + 1] != '\n') {
      return 0;
    }
    state_ = State::data;
    data_left_ = size;
    return at + 2;
  }
  /// Reads the framing at the start of `bytes` (a size line, the CRLF after a chunk's data, or a
  /// trailer line); returns the bytes it took, 0 when they are not all there yet (or the body is
  /// done or failed).
  std::size_t read_framing(std::string_view bytes);
  /// Reads a size line (without its CRLF); false when it is not one.
  bool read_size_line(std::string_view line);
  std::size_t fail(std::string message);

  State state_ = State::size_line;
  std::uint64_t data_left_ = 0;  // of the current chunk
  std::string error_;
};

}  // namespace llmpace::http
