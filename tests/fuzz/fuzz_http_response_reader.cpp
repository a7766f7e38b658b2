// Fuzz target: ResponseReader (http/response_reader.hpp), the sans-IO reader of HTTP/1.1 responses
// that the client feeds from the socket. The input is read as in fuzz_support.hpp: piece sizes,
// then the bytes a server sent, fed as the client does (unconsumed bytes kept in front of the next
// read), then the end of the connection. Whatever the bytes: no crash, never more consumed than
// given, the body never longer than the input, a status that is final (never 1xx) once the head is
// read, and the same outcome, status and body however the socket cut the bytes. (Not the same kind
// of failure: Beast spots some garbage heads, "bad version", only when the start line arrives in
// one piece; cut otherwise, the same garbage is a head the connection closed inside of.)
//
// And Beast as the reference for chunked bodies, which the reader takes off itself (ChunkedBody):
// a final chunked response that Beast's own parser reads whole must be read by the reader too, to
// the same status and body. (The reader may refuse less: it skips chunk extensions and trailer
// fields without checking their grammar.)
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/http/response_reader.hpp"

namespace {

using llmpace::TimePoint;
using llmpace::http::ResponseReader;
namespace bhttp = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

/// Beast's parser alone, eager, gathering the body: what Beast makes of the bytes.
class BeastReference final : public bhttp::basic_parser<false> {
 public:
  BeastReference() {
    body_limit(boost::none);
    header_limit(64 * 1024);  // as ResponseReader's default
    eager(true);
  }
  int status = 0;
  std::string body;

 private:
  void on_request_impl(bhttp::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { status = code; }
  void on_field_impl(bhttp::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_finish_impl(error_code&) override {}
};

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

  BeastReference beast;
  error_code error;
  beast.put(boost::asio::buffer(input.stream.data(), input.stream.size()), error);
  if (!error && beast.is_done() && beast.chunked() && beast.status >= 200) {
    if (whole.failed || whole.status != beast.status || whole.body != beast.body) {
      std::fprintf(stderr,
                   "Beast: status %d, body of %zu bytes; reader: %s, status %d, %zu bytes\n",
                   beast.status, beast.body.size(), whole.failed ? "failed" : "ok", whole.status,
                   whole.body.size());
      FUZZ_CHECK(false);
    }
  }
  return 0;
}
