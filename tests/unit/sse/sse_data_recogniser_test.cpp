// SseParser with a DataRecogniser: an event whose one data line the recogniser measures is
// dispatched without the parser searching for its line's end, and the events are the same as
// without one.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/sse/sse_parser.hpp"
#include "unit/sse/captured_stream.hpp"

namespace llmpace::sse {
namespace {

/// Measures data that is a brace and what follows up to the next '}', if no line break comes
/// before it: "{a}" in "{a}\n\n".
std::size_t measure_braces(std::string_view bytes) {
  if (bytes.empty() || bytes.front() != '{') return 0;
  const std::size_t end = bytes.find_first_of("}\r\n");
  return end != std::string_view::npos && bytes[end] == '}' ? end + 1 : 0;
}

struct Parsed {
  std::vector<SseEvent> events;
  std::vector<bool> recognised;    // of each event
  std::vector<std::string> asked;  // what the recogniser was given, up to its first line end
  std::size_t events_dispatched = 0;
};

/// Parses `pieces` with a recogniser that measures as measure_braces() does, or with `measure`.
Parsed parse_recognising(const std::vector<std::string_view>& pieces,
                         std::size_t (*measure)(std::string_view) = measure_braces) {
  Parsed parsed;
  std::string_view measured;
  SseParser parser(
      [&](const SseEventView& event) {
        parsed.events.push_back(event.owned());
        parsed.recognised.push_back(event.recognised);
        // A recognised event's data is what was measured, where it lies.
        if (event.recognised) CHECK(event.data.data() == measured.data());
        if (event.recognised) CHECK(event.data.size() == measured.size());
      },
      [&](std::string_view bytes) {
        parsed.asked.emplace_back(bytes.substr(0, bytes.find_first_of("\r\n")));
        const std::size_t size = measure(bytes);
        measured = bytes.substr(0, size);
        return size;
      });
  for (const std::string_view piece : pieces) parser.feed(piece);
  parser.finish(AtEnd::dispatch);
  parsed.events_dispatched = parser.events_dispatched();
  return parsed;
}

SseEvent message(std::string data, std::string id = "") {
  return SseEvent{"message", std::move(data), std::move(id)};
}

TEST_CASE("SseParser dispatches an event its recogniser measures, as recognised", "[sse]") {
  const Parsed parsed =
      parse_recognising({"data: {a}\n\ndata:{b}\n\n: comment\n\nid: 7\n\ndata: {c} \n\n"});
  REQUIRE(parsed.events == std::vector{message("{a}"), message("{b}"), message("{c} ", "7")});
  CHECK(parsed.recognised == std::vector{true, true, false});
  CHECK(parsed.events_dispatched == 3);
  // Asked at the start of each event's data line only (after "data:" and its one space).
  CHECK(parsed.asked == std::vector<std::string>{"{a}", "{b}", "{c} "});
}

TEST_CASE("SseParser reads an event as usual when the measured data is not all of it", "[sse]") {
  const struct {
    std::vector<std::string_view> pieces;
    SseEvent event;
  } cases[] = {
      {{"data: {a}\r\n\r\n"}, message("{a}")},
      {{"data: {a}\ndata: {b}\n\n"}, message("{a}\n{b}")},
      {{"data: {a}\nevent: error\n\n"}, SseEvent{"error", "{a}", ""}},
      {{"data: {a}\nid: 3\n\n"}, message("{a}", "3")},
      {{"data: {a}\n", "\n"}, message("{a}")},
      {{"data: {a}", "\n\n"}, message("{a}")},
      {{"data: {a}\n"}, message("{a}")},  // the end of the stream ends it (AtEnd::dispatch)
      {{"data:  {a}\n\n"}, message(" {a}")},
  };
  for (const auto& [pieces, event] : cases) {
    INFO(pieces.front());
    const Parsed parsed = parse_recognising(pieces);
    CHECK(parsed.events == std::vector{event});
    CHECK(parsed.recognised == std::vector{false});
  }
}

TEST_CASE("SseParser asks the recogniser only where an event's first line starts", "[sse]") {
  const Parsed parsed =
      parse_recognising({"event: e\ndata: {a}\n\ndata: x\ndata: {b}\n\nid: 1\ndata: {c}\n\n"});
  CHECK(parsed.events ==
        std::vector{SseEvent{"e", "{a}", ""}, message("x\n{b}"), message("{c}", "1")});
  CHECK(parsed.recognised == std::vector{false, false, false});
  CHECK(parsed.asked == std::vector<std::string>{"x"});

  const Parsed refused =
      parse_recognising({"data: {a}\n\n"}, [](std::string_view) -> std::size_t { return 0; });
  CHECK(refused.events == std::vector{message("{a}")});
  CHECK(refused.recognised == std::vector{false});
}

TEST_CASE("SseParser gives the same events with a recogniser as without, however cut", "[sse]") {
  const std::vector<std::string_view> parts = {"data: {a}\n\n",
                                               "data:{bb}\n\n",
                                               "data: {a}\r\n\r\n",
                                               "data: {x\n\n",
                                               "data: {a}\n",
                                               "event: e\n",
                                               "id: 1\n",
                                               ": c\n",
                                               "\n",
                                               "\r",
                                               "data: {a}",
                                               "data: t\n\n",
                                               "retry: 1\n",
                                               "data: {}\r\n",
                                               "data: {a}\n\r\n"};
  std::mt19937_64 random(20261206);
  std::size_t recognised = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string stream;
    const std::size_t count = 1 + random() % 10;
    for (std::size_t i = 0; i < count; ++i) stream += parts[random() % parts.size()];
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t size = 1 + random() % (round % 2 == 0 ? stream.size() : 8);
      pieces.push_back(std::string_view(stream).substr(at, size));
      at += size;
    }
    std::vector<SseEvent> expected;
    SseParser plain([&expected](const SseEventView& event) { expected.push_back(event.owned()); });
    plain.feed(stream);
    plain.finish(AtEnd::dispatch);

    INFO("stream: " << stream);
    const Parsed parsed = parse_recognising(pieces);
    REQUIRE(parsed.events == expected);
    CHECK(parsed.events_dispatched == expected.size());
    for (const bool each : parsed.recognised) recognised += each ? 1 : 0;
  }
  CHECK(recognised > 200);  // the recogniser's way is taken (300 times with this seed)
}

}  // namespace
}  // namespace llmpace::sse
