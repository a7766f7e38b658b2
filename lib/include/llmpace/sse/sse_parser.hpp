// SseParser: a sans-IO parser for Server-Sent Events (WHATWG HTML, "event stream" section).
//
// Bytes go in through feed() in whatever pieces the socket delivered; each complete event is
// handed to the handler as soon as its terminating blank line has been seen. Handles `data:`
// (multi-line, joined with '\n'), `event:`, `id:`, `retry:` (ignored), comments (lines starting
// with ':'), a single optional space after the colon, CRLF / LF / CR line ends (a CRLF split across
// two feeds counts once), and a leading UTF-8 BOM. An event with no data lines is not dispatched,
// as the spec says. Bytes after the last blank line at end of stream are an unterminated event;
// finish() reports whether any were pending, and either discards it, as the spec says, or (with
// AtEnd::dispatch) reads the end of the stream as the end of its last line and of the event. A
// caller that knows its stream's events can pass a DataRecogniser: an event whose one data line it
// measures is dispatched without the search for the line's end (the same event either way).
//
// Thread affinity: one parser per stream, used from one thread. No I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace llmpace::sse {

struct SseEvent {
  std::string event;  // "message" when the stream gave no event: field
  std::string data;   // data lines joined by '\n', without the trailing newline
  std::string id;     // last event id seen on the stream (persists across events, per spec)
};

/// An event as the parser dispatches it: the fields of SseEvent, viewed where they are. An event
/// whose one data line arrived in one feed is viewed in the fed bytes, not copied.
struct SseEventView {
  std::string_view event;
  std::string_view data;
  std::string_view id;
  /// The data is what the parser's DataRecogniser measured just before (see SseParser).
  bool recognised = false;

  [[nodiscard]] SseEvent owned() const {
    return SseEvent{std::string(event), std::string(data), std::string(id)};
  }
};

/// What finish() does with an event the stream ended inside of.
enum class AtEnd : std::uint8_t {
  discard,   // the spec: an event is dispatched only at its blank line
  dispatch,  // the end of the stream ends the last line and the event, which is dispatched
};

class SseParser {
 public:
  /// Called once per dispatched event. The event and the bytes it views are valid only during the
  /// call.
  using EventHandler = std::function<void(const SseEventView&)>;

  /// Optional, for streams whose events the caller knows: given the fed bytes after an event's
  /// leading "data:" (and its one optional space), returns the size of the data it recognises at
  /// their start — bytes that hold no CR or LF — or 0. When a blank line follows those bytes at
  /// once, the event is dispatched with `recognised` set, without the parser searching for its
  /// line's end; otherwise the parser reads the line as usual.
  using DataRecogniser = std::function<std::size_t(std::string_view)>;

  explicit SseParser(EventHandler on_event, DataRecogniser recognise_data = nullptr);

  /// Parses the next piece of the stream; dispatches every event it completes.
  void feed(std::string_view bytes);

  /// Marks the end of the stream. Returns true when an unterminated event (or partial line) was
  /// pending; `at_end` says whether it was discarded or dispatched (when it holds data).
  bool finish(AtEnd at_end = AtEnd::discard);

  /// Number of events dispatched so far.
  [[nodiscard]] std::size_t events_dispatched() const { return events_dispatched_; }

 private:
  void feed_lines(std::string_view bytes);
  /// Dispatches the event at the start of `rest` if the recogniser measures its one data line;
  /// returns the bytes it took (0: none).
  std::size_t dispatch_recognised(std::string_view rest);
  /// `in_feed`: the line lies in the bytes being fed (not in line_), valid until feed() returns.
  void process_line(std::string_view line, bool in_feed);
  void keep_data_of_feed();
  void dispatch();
  /// Forgets the fields of the event being built (not the last event id, which persists).
  void clear_event();

  EventHandler on_event_;
  DataRecogniser recognise_data_;
  std::string line_;  // bytes of the current, not yet terminated line
  // The data of the event being built: its one data line while that is still in the fed bytes
  // (the common case, no copy), else the data lines joined here.
  std::string_view data_in_feed_;
  bool data_is_in_feed_ = false;
  std::string data_;
  std::string event_;  // the event being built's `event:` field; empty for "message"
  std::string id_;     // the last event id seen on the stream
  bool has_data_ = false;
  bool has_fields_ = false;   // a field line was seen since the last blank line
  bool last_was_cr_ = false;  // the previous feed ended in '\r': a leading '\n' belongs to it
  bool at_stream_start_ = true;
  std::size_t bom_bytes_matched_ = 0;  // of a leading UTF-8 BOM, while at_stream_start_
  std::size_t events_dispatched_ = 0;
};

}  // namespace llmpace::sse
