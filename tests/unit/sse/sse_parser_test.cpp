#include "llmpace/sse/sse_parser.hpp"

#include <catch2/catch.hpp>

#include "unit/sse/captured_stream.hpp"

namespace llmpace::sse {
namespace {

using test::parse_pieces;
using test::parse_whole;

SseEvent message(std::string data, std::string id = "") {
  return SseEvent{"message", std::move(data), std::move(id)};
}

TEST_CASE("SseParser dispatches data events at blank lines", "[sse]") {
  const auto events = parse_whole("data: one\n\ndata: two\n\n");
  REQUIRE(events == std::vector{message("one"), message("two")});
}

TEST_CASE("SseParser joins multi-line data with newlines", "[sse]") {
  REQUIRE(parse_whole("data: a\ndata: b\ndata:\ndata: c\n\n") == std::vector{message("a\nb\n\nc")});
}

TEST_CASE("SseParser ignores comment lines", "[sse]") {
  REQUIRE(parse_whole(": keep-alive\ndata: x\n:another\n\n: ping\n\n") ==
          std::vector{message("x")});
}

TEST_CASE("SseParser reads event and id fields, and the id persists across events", "[sse]") {
  const auto events = parse_whole("event: error\nid: 7\ndata: boom\n\ndata: after\n\n");
  REQUIRE(events == std::vector{SseEvent{"error", "boom", "7"}, message("after", "7")});
}

TEST_CASE("SseParser ignores an id containing NUL", "[sse]") {
  constexpr char kStream[] = "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n";
  REQUIRE(parse_whole(std::string_view(kStream, sizeof(kStream) - 1)) ==
          std::vector{message("a", "1"), message("b", "1")});
}

TEST_CASE("SseParser ignores retry and unknown fields", "[sse]") {
  REQUIRE(parse_whole("retry: 1000\nfoo: bar\ndata: x\n\n") == std::vector{message("x")});
}

TEST_CASE("SseParser strips exactly one space after the colon", "[sse]") {
  REQUIRE(parse_whole("data:x\n\ndata:  y\n\n") == std::vector{message("x"), message(" y")});
}

TEST_CASE("SseParser treats a line without a colon as a field with an empty value", "[sse]") {
  // "data" alone adds an empty data line, which still makes the event dispatchable.
  REQUIRE(parse_whole("data\n\n") == std::vector{message("")});
  REQUIRE(parse_whole("event\ndata: x\n\n") == std::vector{message("x")});
}

TEST_CASE("SseParser does not dispatch an event without data", "[sse]") {
  // The event type is reset too: it must not leak into the next event.
  REQUIRE(parse_whole("event: ping\n\nid: 3\n\ndata: x\n\n") == std::vector{message("x", "3")});
}

TEST_CASE("SseParser accepts LF, CR and CRLF line ends", "[sse]") {
  const std::vector expected{message("a"), message("b")};
  REQUIRE(parse_whole("data: a\n\ndata: b\n\n") == expected);
  REQUIRE(parse_whole("data: a\r\rdata: b\r\r") == expected);
  REQUIRE(parse_whole("data: a\r\n\r\ndata: b\r\n\r\n") == expected);
  REQUIRE(parse_whole("data: a\r\n\ndata: b\n\r\n") == expected);  // mixed
}

TEST_CASE("SseParser counts a CRLF split across feeds once", "[sse]") {
  REQUIRE(parse_pieces({"data: a\r", "\ndata: b\r", "\n\r", "\n"}) == std::vector{message("a\nb")});
  // An empty feed between the halves changes nothing.
  REQUIRE(parse_pieces({"data: a\r", "", "\n\r", "", "\n"}) == std::vector{message("a")});
  // A CR at the end of a feed followed by something else is a line end by itself.
  REQUIRE(parse_pieces({"data: a\r", "\r"}) == std::vector{message("a")});
}

TEST_CASE("SseParser drops a leading UTF-8 BOM, also when split across feeds", "[sse]") {
  const std::vector expected{message("x")};
  REQUIRE(parse_whole("\xEF\xBB\xBF"
                      "data: x\n\n") == expected);
  REQUIRE(parse_pieces({"\xEF", "\xBB", "\xBF", "data: x\n\n"}) == expected);
  REQUIRE(parse_pieces({"\xEF\xBB",
                        "\xBF"
                        "da",
                        "ta: x\n\n"}) == expected);
}

TEST_CASE("SseParser keeps bytes that only look like the start of a BOM", "[sse]") {
  // "\xEF\xBB" then 'd' is not a BOM: the bytes are part of the first line's field name.
  REQUIRE(parse_pieces({"\xEF\xBB", "data: x\n\ndata: y\n\n"}) == std::vector{message("y")});
}

TEST_CASE("SseParser drops a BOM only at the start of the stream", "[sse]") {
  REQUIRE(parse_whole("data: a\n\n\xEF\xBB\xBF"
                      "data: b\n\n") == std::vector{message("a")});
}

TEST_CASE("SseParser::finish reports a pending unterminated event", "[sse]") {
  std::vector<SseEvent> events;
  SseParser parser([&events](const SseEventView& event) { events.push_back(event.owned()); });

  SECTION("complete stream") {
    parser.feed("data: a\n\n");
    CHECK_FALSE(parser.finish());
  }
  SECTION("terminated line but no blank line") {
    parser.feed("data: a\n\ndata: b\n");
    CHECK(parser.finish());
  }
  SECTION("partial line") {
    parser.feed("data: a\n\ndata: b");
    CHECK(parser.finish());
  }
  SECTION("line ended by a lone CR") {
    parser.feed("data: a\n\ndata: b\r");
    CHECK(parser.finish());
  }
  SECTION("only comments after the last event") {
    parser.feed("data: a\n\n: bye\n");
    CHECK_FALSE(parser.finish());
  }
  REQUIRE(events == std::vector{message("a")});
  CHECK(parser.events_dispatched() == 1);
}

TEST_CASE("SseParser is reusable after finish", "[sse]") {
  std::vector<SseEvent> events;
  SseParser parser([&events](const SseEventView& event) { events.push_back(event.owned()); });
  parser.feed("id: 1\ndata: a\n\ndata: partial");
  CHECK(parser.finish());
  parser.feed(
      "\xEF\xBB\xBF"
      "data: b\n\n");
  CHECK_FALSE(parser.finish());
  REQUIRE(events == std::vector{message("a", "1"), message("b")});
  CHECK(parser.events_dispatched() == 2);
}

TEST_CASE("SseParser keeps an event's data when the caller reuses the bytes it fed", "[sse]") {
  // A data line is viewed where it was fed until its event ends; an event that ends in a later
  // feed must not read the caller's buffer, which by then holds other bytes.
  const std::string stream = "data: first\n\ndata: two\ndata: lines\n\nevent: e\ndata: x\r\n\n";
  const auto whole = parse_whole(stream);
  REQUIRE(whole.size() == 3);
  for (std::size_t cut1 = 0; cut1 <= stream.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= stream.size(); ++cut2) {
      std::vector<SseEvent> events;
      SseParser parser([&events](const SseEventView& event) { events.push_back(event.owned()); });
      std::string buffer;
      for (const auto& [from, to] : {std::pair{std::size_t{0}, cut1}, std::pair{cut1, cut2},
                                     std::pair{cut2, stream.size()}}) {
        buffer.assign(stream, from, to - from);
        parser.feed(buffer);
        buffer.assign(buffer.size(), '#');
      }
      parser.finish();
      INFO("cut at " << cut1 << " and " << cut2);
      REQUIRE(events == whole);
    }
  }
}

TEST_CASE("SseParser handles long lines spread over many feeds", "[sse]") {
  const std::string payload(10'000, 'x');
  const std::string stream = "data: " + payload + "\n\n";
  std::vector<std::string_view> pieces;
  for (std::size_t at = 0; at < stream.size(); at += 7) {
    pieces.push_back(std::string_view(stream).substr(at, 7));
  }
  REQUIRE(parse_pieces(pieces) == std::vector{message(payload)});
}

}  // namespace
TEST_CASE("SseParser::finish(AtEnd::dispatch) reads the end of the stream as the event's end",
          "[sse]") {
  std::vector<SseEvent> events;
  SseParser parser([&events](const SseEventView& event) { events.push_back(event.owned()); });

  SECTION("terminated line but no blank line") {
    parser.feed("data: a\n\ndata: [DONE]\n");
    CHECK(parser.finish(AtEnd::dispatch));
    REQUIRE(events == std::vector{message("a"), message("[DONE]")});
  }
  SECTION("partial last line") {
    parser.feed("data: a\n\ndata: [DO");
    parser.feed("NE]");
    CHECK(parser.finish(AtEnd::dispatch));
    REQUIRE(events == std::vector{message("a"), message("[DONE]")});
  }
  SECTION("an event with fields but no data is still not dispatched") {
    parser.feed("data: a\n\nevent: x\n");
    CHECK(parser.finish(AtEnd::dispatch));
    REQUIRE(events == std::vector{message("a")});
  }
  SECTION("a complete stream has nothing pending") {
    parser.feed("data: a\n\n");
    CHECK_FALSE(parser.finish(AtEnd::dispatch));
    REQUIRE(events == std::vector{message("a")});
  }
  // Reusable afterwards, like finish() with the default.
  parser.feed("data: b\n\n");
  CHECK(events.back() == message("b"));
}

}  // namespace llmpace::sse
