// ChunkedBody (http/chunked_body.hpp): the chunked transfer coding taken off a body however the
// socket cuts it, and every malformed framing refused.
#include "llmpace/http/chunked_body.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>

namespace llmpace::http {
namespace {

struct Decoded {
  std::string body;
  bool done = false;
  bool failed = false;
  std::string error;
  std::size_t unconsumed = 0;  // bytes left over at the end, as the caller would keep them
};

/// Feeds `bytes` in pieces of `piece_bytes` (0: whole), keeping what was not consumed in front of
/// the next piece, as ResponseReader's caller does.
Decoded decode(std::string_view bytes, std::size_t piece_bytes = 0) {
  ChunkedBody chunked;
  Decoded decoded;
  std::string unread;
  const std::size_t step = piece_bytes == 0 ? bytes.size() : piece_bytes;
  for (std::size_t at = 0; at < bytes.size() && !chunked.done() && !chunked.failed(); at += step) {
    unread.append(bytes.substr(at, step));
    const std::size_t used =
        chunked.feed(unread, [&](std::string_view data) { decoded.body.append(data); });
    REQUIRE(used <= unread.size());
    unread.erase(0, used);
  }
  decoded.done = chunked.done();
  decoded.failed = chunked.failed();
  decoded.error = chunked.error();
  decoded.unconsumed = unread.size();
  return decoded;
}

TEST_CASE("ChunkedBody: chunks, the last chunk and the trailer section", "[http][chunked]") {
  const std::string body =
      "5\r\nhello\r\n1;name=value ; other=\"quoted\"\r\n \r\nA\r\n0123456789\r\n"
      "00\r\nX-Trailer: yes\r\nAnother:\tone\r\n\r\n";
  for (std::size_t piece = 0; piece <= 8; ++piece) {
    INFO("pieces of " << piece);
    const Decoded decoded = decode(body, piece);
    CHECK(decoded.done);
    CHECK(decoded.body == "hello 0123456789");
    CHECK(decoded.unconsumed == 0);
  }
  CHECK(decode("0\r\n\r\n").done);
  CHECK(decode("0000000000000000000000001\r\nx\r\n0\r\n\r\n").body == "x");
  CHECK(decode("fF\r\n" + std::string(255, 'y') + "\r\n0\r\n\r\n").body.size() == 255);
}

TEST_CASE("ChunkedBody: what follows the body is not consumed", "[http][chunked]") {
  ChunkedBody chunked;
  std::string body;
  // (Found by fuzzing: a size line after the end, or a trailer line of hex digits, was read as
  // another chunk.)
  const std::string bytes = "2\r\nhi\r\n0\r\nab\r\n\r\n5\r\nHTTP/\r\n";
  const std::size_t used = chunked.feed(bytes, [&](std::string_view data) { body.append(data); });
  CHECK(chunked.done());
  CHECK(used == bytes.find("5\r\n"));
  CHECK(body == "hi");
  CHECK(chunked.feed("more", [](std::string_view) {}) == 0);
  chunked.reset();
  CHECK_FALSE(chunked.done());
  CHECK(chunked.feed("0\r\n\r\n", [](std::string_view) {}) == 5);
}

TEST_CASE("ChunkedBody: an unfinished body waits for more", "[http][chunked]") {
  for (const std::string_view bytes : {"", "5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r",
                                       "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n"}) {
    INFO("'" << bytes << "'");
    const Decoded decoded = decode(bytes);
    CHECK_FALSE(decoded.done);
    CHECK_FALSE(decoded.failed);
  }
}

TEST_CASE("ChunkedBody: malformed framing is refused", "[http][chunked]") {
  const std::string_view malformed[] = {
      "zz\r\ndata\r\n",                 // not hexadecimal
      "\r\n",                           // no size at all
      "-5\r\nhello\r\n",                // a sign
      "0x5\r\nhello\r\n",               // a prefix
      "5 \r\nhello\r\n",                // spaces and no extension
      "5 x\r\nhello\r\n",               // something else after the size
      "5\nhello\r\n",                   // LF alone
      "5\r\nhello\n0\r\n\r\n",          // data not followed by CRLF
      "5\r\nhelloXY0\r\n\r\n",          //
      "5;a\x01z\r\nhello\r\n",          // a control character in an extension
      "10000000000000000\r\n",          // beyond 64 bits
      "0\r\nX-Trailer: a\x7f\r\n\r\n",  // a control character in a trailer
      "0\r\nX-Trailer: a\n\r\n",        // a trailer line without CR
  };
  for (const std::string_view bytes : malformed) {
    for (std::size_t piece : {0, 1, 3}) {
      INFO("'" << bytes << "' in pieces of " << piece);
      const Decoded decoded = decode(bytes, piece);
      CHECK(decoded.failed);
      CHECK_FALSE(decoded.done);
      CHECK_THAT(decoded.error, Catch::StartsWith("bad chunked body: "));
    }
  }
  SECTION("a line longer than the limit") {
    const std::string extension(ChunkedBody::kMaxLineBytes, 'e');
    CHECK(decode("5;" + extension + "\r\nhello\r\n").failed);
    CHECK(decode("5;" + extension).failed);  // before its end arrives
    CHECK(decode("0\r\nX: " + extension + "\r\n\r\n").failed);
    const std::string longest = "5;" + std::string(ChunkedBody::kMaxLineBytes - 4, 'e') + "\r\n";
    CHECK(decode(longest + "hello\r\n0\r\n\r\n").done);
  }
}

TEST_CASE("ChunkedBody: random chunkings of random bodies", "[http][chunked]") {
  std::mt19937_64 random(20261206);
  for (int round = 0; round < 500; ++round) {
    std::string expected;
    std::string bytes;
    const int chunks = static_cast<int>(random() % 6);
    for (int i = 0; i < chunks; ++i) {
      std::string data(1 + random() % 300, '\0');
      for (char& byte : data) byte = static_cast<char>(random());
      expected += data;
      char size[32];
      std::snprintf(size, sizeof size, random() % 2 ? "%zx" : "%zX", data.size());
      bytes += std::string(size) + (random() % 4 == 0 ? ";x=1" : "") + "\r\n" + data + "\r\n";
    }
    bytes += random() % 2 ? "0\r\n\r\n" : "0\r\nT: v\r\n\r\n";
    const std::size_t piece = random() % 40;
    INFO("round " << round << ", pieces of " << piece);
    const Decoded decoded = decode(bytes, piece);
    CHECK(decoded.done);
    CHECK(decoded.body == expected);
  }
}

}  // namespace
}  // namespace llmpace::http
