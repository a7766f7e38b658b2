// Fuzz target: ResponseReader (http/response_reader.hpp), the sans-IO reader of HTTP/1.1 responses
// that the client feeds from the socket. The input is read as in fuzz_support.hpp: piece sizes,
// then the bytes a server sent, fed as the client does (unconsumed bytes kept in front of the next
// read), then the end of the connection. Whatever the bytes: no crash, never more consumed than
// given, the body never longer than the input, a status that is final (never 1xx) once the head is
// read, and the same outcome, status and body however the socket cut the bytes. (Not the same kind
// of failure: Beast spots some garbage heads, "bad version", only when the start line arrives in
// one piece; cut otherwise, the same garbage is a head the connection closed inside of.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/http/response_reader.hpp"

namespace {

using llmpace::TimePoint;
using llmpace::http::ResponseReader;

struct Outcome {
  bool done = false;
  bool failed = false;
  bool closed_early = false;
  int status = 0;
  std::string body;
};

template <typename FeedAll>
Outcome read_response(std::size_t input_size, FeedAll&& feed_all) {
  Outcome outcome;
  ResponseReader reader;
  const ResponseReader::BodySink on_body = [&](std::string_view bytes, TimePoint) {
    outcome.body.append(bytes);
  };
  std::string unread;  // what the reader left, as the client's read buffer keeps it
  feed_all([&](std::string_view piece) {
    if (reader.done()) return;
    unread.append(piece);
    const std::size_t consumed = reader.feed(unread, TimePoint{}, on_body);
    FUZZ_CHECK(consumed <= unread.size());
    unread.erase(0, consumed);
  });
  if (!reader.done()) reader.feed_end_of_stream();
  FUZZ_CHECK(reader.done());
  FUZZ_CHECK(outcome.body.size() <= input_size);
  FUZZ_CHECK(reader.status() == 0 || (reader.status() >= 200 && reader.status() <= 999));
  FUZZ_CHECK(!reader.failed() || !reader.error().empty());
  FUZZ_CHECK(!reader.closed_early() || reader.failed());
  outcome.done = reader.done();
  outcome.failed = reader.failed();
  outcome.closed_early = reader.closed_early();
  outcome.status = reader.status();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const llmpace::fuzz::SplitInput input = llmpace::fuzz::split_input(data, size);
  const Outcome pieces = read_response(
      input.stream.size(), [&](auto&& feed) { llmpace::fuzz::for_each_piece(input, feed); });
  const Outcome whole =
      read_response(input.stream.size(), [&](auto&& feed) { feed(input.stream); });
  FUZZ_CHECK(pieces.failed == whole.failed);
  FUZZ_CHECK(pieces.status == whole.status);
  FUZZ_CHECK(pieces.body == whole.body);
  return 0;
}
