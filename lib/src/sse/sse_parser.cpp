#include "llmpace/sse/sse_parser.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace llmpace::sse {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kDefaultEventType = "message";
constexpr std::size_t kNotFound = std::string_view::npos;

// memchr is vectorised in glibc; string_view::find_first_of("\r\n") walks byte by byte.
std::size_t find_byte(std::string_view text, std::size_t from, char byte) {
  if (from >= text.size()) return kNotFound;
  const void* hit = std::memchr(text.data() + from, byte, text.size() - from);
  return hit == nullptr ? kNotFound : static_cast<const char*>(hit) - text.data();
}

}  // namespace

SseParser::SseParser(EventHandler on_event, DataRecogniser recognise_data)
    : on_event_(std::move(on_event)), recognise_data_(std::move(recognise_data)) {}

void SseParser::feed(std::string_view bytes) {
  // A leading BOM is dropped even when it arrives split across feeds. Bytes matched so far hold no
  // line end, so on a mismatch they simply become the start of the first line.
  while (at_stream_start_ && !bytes.empty()) {
    if (bytes.front() == kBom[bom_bytes_matched_]) {
      bytes.remove_prefix(1);
      at_stream_start_ = ++bom_bytes_matched_ < kBom.size();
    } else {
      line_.append(kBom.substr(0, bom_bytes_matched_));
      at_stream_start_ = false;
    }
  }
  feed_lines(bytes);
  keep_data_of_feed();
}

void SseParser::keep_data_of_feed() {
  if (data_is_in_feed_) {
    data_.assign(data_in_feed_);
    data_is_in_feed_ = false;
  }
}

void SseParser::feed_lines(std::string_view bytes) {
  if (bytes.empty()) return;  // keeps last_was_cr_ for the next non-empty piece
  std::size_t pos = 0;
  if (last_was_cr_) {
    last_was_cr_ = false;
    if (bytes.front() == '\n') pos = 1;  // second half of a split CRLF
  }
  // A line ends at its first CR or LF. One memchr finds the next LF, kept while it lies ahead (a
  // stream of CR line ends has few), one the CR in the line before it (streams normally have
  // none). The blank line that ends an event needs neither, nor does an event the recogniser
  // measures.
  std::size_t next_lf = 0;  // the next LF once searched for (kNotFound: none); again once passed
  while (pos < bytes.size()) {
    if (recognise_data_ && !has_fields_ && line_.empty()) {
      const std::size_t taken = dispatch_recognised(bytes.substr(pos));
      if (taken > 0) {
        pos += taken;
        continue;
      }
    }
    std::size_t end = pos;
    if (bytes[pos] != '\n') {
      if (next_lf <= pos) next_lf = find_byte(bytes, pos, '\n');
      const std::size_t line_limit = std::min(next_lf, bytes.size());
      const void* cr = std::memchr(bytes.data() + pos, '\r', line_limit - pos);
      end = cr != nullptr ? static_cast<std::size_t>(static_cast<const char*>(cr) - bytes.data())
                          : next_lf;
    }
    if (end == kNotFound) {
      line_.append(bytes.substr(pos));
      return;
    }
    if (line_.empty()) {
      process_line(bytes.substr(pos, end - pos), /*in_feed=*/true);  // common case: no copy
    } else {
      line_.append(bytes.substr(pos, end - pos));
      process_line(line_, /*in_feed=*/false);
      line_.clear();
    }
    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos == bytes.size()) {
        last_was_cr_ = true;
      } else if (bytes[pos] == '\n') {
        ++pos;
      }
    }
  }
}

std::size_t SseParser::dispatch_recognised(std::string_view rest) {
  constexpr std::string_view kDataField = "data:";
  if (!rest.starts_with(kDataField)) return 0;
  std::size_t at = kDataField.size();
  if (at < rest.size() && rest[at] == ' ') ++at;
  const std::size_t size = recognise_data_(rest.substr(at));
  // The event is that one line: the blank line that ends it follows at once.
  const std::size_t end = at + size;
  if (size == 0 || rest.size() - at < size + 2 || rest[end] != '\n' || rest[end + 1] != '\n') {
    return 0;
  }
  ++events_dispatched_;
  on_event_(SseEventView{
      .event = kDefaultEventType, .data = rest.substr(at, size), .id = id_, .recognised = true});
  return end + 2;
}

void SseParser::process_line(std::string_view line, bool in_feed) {
  if (line.empty()) {
    dispatch();
    return;
  }
  if (line.front() == ':') return;  // comment (servers use these as keep-alives)

  std::string_view field = line;
  std::string_view value;
  // Nearly every line of a stream is "data:...": its colon is known without a search.
  const std::size_t colon = line.starts_with("data:") ? 4 : line.find(':');
  if (colon != kNotFound) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;

  if (field == "data") {
    if (!has_data_ && in_feed) {
      data_in_feed_ = value;
      data_is_in_feed_ = true;
    } else {
      keep_data_of_feed();
      if (has_data_) data_.push_back('\n');
      data_.append(value);
    }
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  } else if (field == "id") {
    // The spec ignores ids containing NUL; the id persists until the stream sets another.
    if (value.find('\0') == kNotFound) id_.assign(value);
  }
  // "retry" and unknown fields are ignored.
}

void SseParser::dispatch() {
  has_fields_ = false;
  if (has_data_) {  // an event without data is not dispatched
    ++events_dispatched_;
    on_event_(SseEventView{.event = event_.empty() ? kDefaultEventType : std::string_view(event_),
                           .data = data_is_in_feed_ ? data_in_feed_ : std::string_view(data_),
                           .id = id_});
  }
  clear_event();
}

void SseParser::clear_event() {
  // clear() keeps the capacity, so steady-state events reuse the same buffers.
  data_.clear();
  data_is_in_feed_ = false;
  event_.clear();
  has_data_ = false;
}

bool SseParser::finish(AtEnd at_end) {
  const bool pending =
      !line_.empty() || has_fields_ || (at_stream_start_ && bom_bytes_matched_ > 0);
  if (pending && at_end == AtEnd::dispatch) {
    if (!line_.empty()) process_line(line_, /*in_feed=*/false);
    dispatch();
  }
  line_.clear();
  clear_event();
  id_.clear();
  has_fields_ = false;
  last_was_cr_ = false;
  at_stream_start_ = true;  // ready for a new stream
  bom_bytes_matched_ = 0;
  return pending;
}

}  // namespace llmpace::sse
