// Fuzz target: SseParser (sse/sse_parser.hpp). The first byte chooses what finish() does with an
// unterminated event (bit 0: AtEnd::discard or AtEnd::dispatch); the rest is read as in
// fuzz_support.hpp: piece sizes, then the stream, fed in those pieces, then finish(). The events
// and finish()'s answer must be those of the same stream fed whole: how the socket cut the bytes
// never changes what was sent. Nor does a DataRecogniser (fed the same pieces).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "llmpace/sse/sse_parser.hpp"

namespace {

using llmpace::sse::AtEnd;
using llmpace::sse::SseEvent;
using llmpace::sse::SseEventView;
using llmpace::sse::SseParser;

struct Parsed {
  std::vector<SseEvent> events;
  bool pending_at_finish = false;
  std::size_t events_dispatched = 0;
};

/// Measures data that is a '{' and what follows up to the next '}', if no line break comes
/// before it; as a chunk template recognises a chunk, given the bytes of the rest of the stream.
std::size_t measure_braces(std::string_view bytes) {
  if (bytes.empty() || bytes.front() != '{') return 0;
  const std::size_t end = bytes.find_first_of("}\r\n");
  return end != std::string_view::npos && bytes[end] == '}' ? end + 1 : 0;
}

template <typename FeedAll>
Parsed parse(AtEnd at_end, FeedAll&& feed_all, bool recognise = false) {
  Parsed parsed;
  std::string_view measured;
  SseParser parser(
      [&](const SseEventView& event) {
        parsed.events.push_back(event.owned());
        if (event.recognised) {
          FUZZ_CHECK(event.data.data() == measured.data() && event.data == measured);
        }
      },
      recognise ? SseParser::DataRecogniser([&measured](std::string_view bytes) {
        measured = bytes.substr(0, measure_braces(bytes));
        return measured.size();
      })
                : nullptr);
  feed_all(parser);
  parsed.pending_at_finish = parser.finish(at_end);
  parsed.events_dispatched = parser.events_dispatched();
  return parsed;
}

bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const AtEnd at_end = (data[0] & 1) != 0 ? AtEnd::dispatch : AtEnd::discard;
  const llmpace::fuzz::SplitInput input = llmpace::fuzz::split_input(data + 1, size - 1);
  const Parsed pieces = parse(at_end, [&](SseParser& parser) {
    llmpace::fuzz::for_each_piece(input, [&](std::string_view piece) { parser.feed(piece); });
  });
  const Parsed whole = parse(at_end, [&](SseParser& parser) { parser.feed(input.stream); });
  // A recogniser changes how events are found, never which.
  const Parsed recognised = parse(
      at_end,
      [&](SseParser& parser) {
        llmpace::fuzz::for_each_piece(input, [&](std::string_view piece) { parser.feed(piece); });
      },
      /*recognise=*/true);

  FUZZ_CHECK(pieces.events_dispatched == pieces.events.size());
  FUZZ_CHECK(same_events(pieces.events, whole.events));
  FUZZ_CHECK(pieces.pending_at_finish == whole.pending_at_finish);
  FUZZ_CHECK(same_events(recognised.events, whole.events));
  FUZZ_CHECK(recognised.events_dispatched == recognised.events.size());
  FUZZ_CHECK(recognised.pending_at_finish == whole.pending_at_finish);
  for (const SseEvent& event : pieces.events) {
    FUZZ_CHECK(!event.event.empty());
    // Fields end at a line end, so only data (lines joined by '\n') may hold one.
    FUZZ_CHECK(event.event.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(event.id.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(event.id.find('\0') == std::string_view::npos);
    FUZZ_CHECK(event.data.find('\r') == std::string_view::npos);
  }
  return 0;
}
