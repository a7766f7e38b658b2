// Every captured server stream, split at every byte offset and fed one byte at a time, must give
// exactly the events of a single whole feed: socket reads cut streams anywhere.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "llmpace/sse/sse_parser.hpp"
#include "unit/sse/captured_stream.hpp"

namespace llmpace::sse {
namespace {

using test::parse_pieces;
using test::parse_whole;
using test::read_captured_stream;

struct Capture {
  const char* file;
  std::size_t events;
};

constexpr Capture kCaptures[] = {
    {"vllm_chat_stream.sse", 35},        {"vllm_chat_stream_crlf.sse", 35},
    {"vllm_completions_stream.sse", 18}, {"llamacpp_chat_stream.sse", 15},
    {"vllm_reasoning_stream.sse", 27},   {"vllm_reasoning_field_stream.sse", 10},
    {"vllm_error_stream.sse", 6},
};

TEST_CASE("Captured streams parse into the expected events", "[sse][capture]") {
  for (const Capture& capture : kCaptures) {
    INFO(capture.file);
    const std::string bytes = read_captured_stream(capture.file);
    const auto events = parse_whole(bytes);
    REQUIRE(events.size() == capture.events);
    for (const SseEvent& event : events) {
      CHECK(event.event == "message");
      CHECK(event.id.empty());
      CHECK_FALSE(event.data.empty());
    }
    CHECK(events.back().data == "[DONE]");

    SseParser parser([](const SseEventView&) {});
    parser.feed(bytes);
    CHECK_FALSE(parser.finish());
    CHECK(parser.events_dispatched() == capture.events);
  }
}

TEST_CASE("Captured streams split at every byte offset give the same events", "[sse][capture]") {
  for (const Capture& capture : kCaptures) {
    INFO(capture.file);
    const std::string bytes = read_captured_stream(capture.file);
    const std::string_view view(bytes);
    const auto expected = parse_whole(view);
    for (std::size_t split = 0; split <= view.size(); ++split) {
      const auto events = parse_pieces({view.substr(0, split), view.substr(split)});
      if (events != expected) FAIL("split at offset " << split);
    }
  }
}

TEST_CASE("Captured streams fed one byte at a time give the same events", "[sse][capture]") {
  for (const Capture& capture : kCaptures) {
    INFO(capture.file);
    const std::string bytes = read_captured_stream(capture.file);
    const std::string_view view(bytes);
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < view.size(); ++at) pieces.push_back(view.substr(at, 1));
    REQUIRE(parse_pieces(pieces) == parse_whole(view));
  }
}

TEST_CASE("Captured streams fed in random pieces give the same events", "[sse][capture]") {
  std::mt19937 rng(20240607);  // fixed seed: failures must reproduce
  std::uniform_int_distribution<std::size_t> piece_bytes(1, 300);
  for (const Capture& capture : kCaptures) {
    INFO(capture.file);
    const std::string bytes = read_captured_stream(capture.file);
    const std::string_view view(bytes);
    const auto expected = parse_whole(view);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::string_view> pieces;
      for (std::size_t at = 0; at < view.size();) {
        const std::size_t size = piece_bytes(rng);
        pieces.push_back(view.substr(at, size));
        at += size;
      }
      REQUIRE(parse_pieces(pieces) == expected);
    }
  }
}

TEST_CASE("A CRLF stream gives the same events as its LF twin", "[sse][capture]") {
  REQUIRE(parse_whole(read_captured_stream("vllm_chat_stream_crlf.sse")) ==
          parse_whole(read_captured_stream("vllm_chat_stream.sse")));
}

TEST_CASE("A captured stream behind a BOM gives the same events", "[sse][capture]") {
  const std::string bytes = read_captured_stream("llamacpp_chat_stream.sse");
  REQUIRE(parse_whole("\xEF\xBB\xBF" + bytes) == parse_whole(bytes));
}

}  // namespace
}  // namespace llmpace::sse
