#include "llmpace/openai/chunk_template.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace llmpace::openai {

namespace {

using HoleKind = ChunkTemplate::HoleKind;

/// The bytes that stand for themselves in a JSON string: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainStringBytes = [] {
  std::array<bool, 256> plain{};
  for (int byte = 0x20; byte < 0x80; ++byte) plain[byte] = byte != '"' && byte != '\\';
  return plain;
}();

constexpr auto is_plain_string_byte = [](char byte) {
  return kPlainStringBytes[static_cast<unsigned char>(byte)];
};
constexpr auto is_digit = [](char byte) { return byte >= '0' && byte <= '9'; };

/// How many bytes of a hole's value of this kind `json` holds from `at` on.
std::size_t value_size_from(std::string_view json, std::size_t at, HoleKind kind) {
  const char* const begin = json.data() + at;
  const char* const end = json.data() + json.size();
  // (Two loops: the test for the kind stays outside the loop over bytes.)
  return static_cast<std::size_t>(kind == HoleKind::plain_string
                                      ? std::find_if_not(begin, end, is_plain_string_byte) - begin
                                      : std::find_if_not(begin, end, is_digit) - begin);
}

/// How many bytes of a hole's value of this kind `json` holds just before `end`, from `start` on.
std::size_t value_size_to(std::string_view json, std::size_t start, std::size_t end,
                          HoleKind kind) {
  const auto begin = std::make_reverse_iterator(json.data() + end);
  const auto stop = std::make_reverse_iterator(json.data() + start);
  return static_cast<std::size_t>(kind == HoleKind::plain_string
                                      ? std::find_if_not(begin, stop, is_plain_string_byte) - begin
                                      : std::find_if_not(begin, stop, is_digit) - begin);
}

/// Whether `value`, made of the kind's bytes, is a whole value of it: a string body may be empty;
/// a number has a digit, and no leading zero but for 0 itself.
bool is_whole_value(std::string_view value, HoleKind kind) {
  if (kind == HoleKind::plain_string) return true;
  return !value.empty() && (value.size() == 1 || value[0] != '0');
}

/// Whether `json` holds `fixed` at offset `at`.
bool holds_at(std::string_view json, std::size_t at, std::string_view fixed) {
  return at <= json.size() && json.size() - at >= fixed.size() &&
         std::memcmp(json.data() + at, fixed.data(), fixed.size()) == 0;
}

/// What a scan of a JSON string's body found.
struct StringBody {
  std::size_t bytes = 0;       // up to the first '"' not escaped, or all
  std::size_t text_bytes = 0;  // once unescaped
  bool valid = false;          // no byte the grammar or UTF-8 forbids, no \u escape
};

/// Scans `bytes` as a JSON string's body, up to the first '"' not escaped or their end.
StringBody scan_string_body(std::string_view bytes) {
  std::size_t escapes = 0;  // each escape is two bytes standing for one
  bool ascii = true;
  std::size_t i = 0;
  for (; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (kPlainStringBytes[byte]) continue;  // nearly every byte of a token
    if (byte >= 0x80) {
      ascii = false;
    } else if (byte == '"') {
      break;
    } else if (byte != '\\') {
      return {};  // a control character is invalid
    } else {
      if (++i == bytes.size()) return {};  // it would escape the closing quote
      switch (bytes[i]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          ++escapes;
          break;
        default:  // \u (1 to 4 bytes of UTF-8, surrogate pairs) is the parser's; the rest invalid
          return {};
      }
    }
  }
  // The parser validates a document's UTF-8 as a whole; the quotes around the text are ASCII, so
  // the text's own validity is what differs between two chunks.
  if (!ascii && !simdjson::validate_utf8(bytes.data(), i)) return {};
  return {.bytes = i, .text_bytes = i - escapes, .valid = true};
}

}  // namespace

std::optional<std::size_t> json_string_text_size(std::string_view body) {
  const StringBody scanned = scan_string_body(body);
  if (!scanned.valid || scanned.bytes != body.size()) return std::nullopt;  // '"' would end it
  return scanned.text_bytes;
}

bool ChunkTemplate::learn(std::string_view json, const Layout& layout, const DecodedChunk& chunk) {
  if (chunk.kind == ChunkKind::error) return false;
  // The text: the body of the one sized string, when it is not empty.
  Found text{.at = json.size(), .size = 0};
  bool has_text = false;
  const std::size_t text_bytes =
      layout.text_field == TextField::content ? chunk.content_bytes : chunk.reasoning_bytes;
  if (layout.text_quote && text_bytes > 0) {
    const std::size_t quote = *layout.text_quote;
    if (quote >= json.size() || json[quote] != '"') return false;
    // The string's end: the first quote not escaped (the parser has found the string valid).
    std::size_t end = quote + 1;
    while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
    if (end >= json.size()) return false;
    text = {.at = quote + 1, .size = end - quote - 1};
    if (json_string_text_size(json.substr(text.at, text.size)) != text_bytes) return false;
    has_text = true;
  }
  // A chunk whose texts are not one hole would match only itself.
  if (!has_text && chunk.carries_tokens()) return false;
  if (json.size() - text.size > kMaxFrameBytes) return false;
  // A line break between its tokens (data of several lines) would make recognise() read past the
  // event's data line; the text and the holes never hold one.
  if (std::memchr(json.data(), '\n', json.size()) != nullptr ||
      std::memchr(json.data(), '\r', json.size()) != nullptr) {
    return false;
  }

  // The ignored values that can vary, in order; others stay as they are.
  std::array<Found, kMaxIgnoredValues> found{};
  std::size_t count = 0;
  std::size_t after_last = 0;  // where the last hole ends
  for (std::size_t i = 0; i < layout.ignored_count && i < kMaxIgnoredValues; ++i) {
    const std::size_t at = layout.ignored_values[i];
    if (at < after_last || at >= json.size()) continue;
    if (has_text && at < text.at + text.size && at + 1 >= text.at) continue;  // not the text's
    const HoleKind kind = json[at] == '"' ? HoleKind::plain_string : HoleKind::whole_number;
    const std::size_t start = kind == HoleKind::plain_string ? at + 1 : at;
    const std::size_t end = start + value_size_from(json, start, kind);
    if (end == json.size()) continue;
    const bool ends_well = kind == HoleKind::plain_string
                               ? json[end] == '"'
                               : json[end] != '.' && json[end] != 'e' && json[end] != 'E';
    if (!ends_well || !is_whole_value(json.substr(start, end - start), kind)) continue;
    holes_[count].kind = kind;
    found[count++] = {.at = start, .size = end - start};
    after_last = end;
  }
  hole_count_ = count;
  has_text_ = has_text;
  text_field_ = layout.text_field;
  chunk_ = chunk;
  rebuild(json, text, found);
  return true;
}

void ChunkTemplate::adopt(std::string_view json, Found text,
                          const std::array<Found, kMaxIgnoredValues>& found) {
  // Usually the values have the sizes of the last ones (a response's id, its created): then only
  // they change, in place.
  bool same_sizes = json.size() - text.size == frame_.size();
  for (std::size_t i = 0; same_sizes && i < hole_count_; ++i) {
    same_sizes = found[i].size == holes_[i].size;
  }
  if (!same_sizes) {
    rebuild(json, text, found);
    return;
  }
  for (std::size_t i = 0; i < hole_count_; ++i) {
    std::memcpy(frame_.data() + holes_[i].at, json.data() + found[i].at, found[i].size);
  }
}

void ChunkTemplate::rebuild(std::string_view json, Found text,
                            const std::array<Found, kMaxIgnoredValues>& found) {
  frame_.assign(json.substr(0, text.at));
  frame_.append(json.substr(text.at + text.size));
  text_at_ = text.at;
  holes_before_text_ = 0;
  std::size_t fixed_from = has_text_ ? text_at_ : 0;
  for (std::size_t i = 0; i < hole_count_; ++i) {
    const bool before_text = found[i].at < text.at;
    holes_[i].at = before_text ? found[i].at : found[i].at - text.size;
    holes_[i].size = found[i].size;
    if (before_text) ++holes_before_text_;
    fixed_from = std::max(fixed_from, holes_[i].at + holes_[i].size);
  }
  fixed_tail_ = frame_.size() - fixed_from;
}

inline void ChunkTemplate::decode_into(std::size_t text_bytes, DecodedChunk& out) const {
  out.kind = chunk_.kind;
  out.content_bytes = chunk_.content_bytes;
  out.reasoning_bytes = chunk_.reasoning_bytes;
  if (has_text_) {
    (text_field_ == TextField::content ? out.content_bytes : out.reasoning_bytes) = text_bytes;
  }
  out.has_role = chunk_.has_role;
  out.error_message.clear();  // templates are never errors
  out.malformed = false;
  // Content chunks have neither, and `out` held none: copying them is the rare case, kept out of
  // line so that this one saves no registers.
  if (chunk_.finish_reason || chunk_.usage || out.finish_reason || out.usage) [[unlikely]] {
    copy_reports(out);
  }
}

[[gnu::noinline]] void ChunkTemplate::copy_reports(DecodedChunk& out) const {
  out.finish_reason = chunk_.finish_reason;
  out.usage = chunk_.usage;
}

bool ChunkTemplate::match(std::string_view json, DecodedChunk& out) {
  // The bytes after every hole and the text tell most shapes of chunk apart: compared first.
  const char* const frame = frame_.data();
  const std::size_t frame_size = frame_.size();
  if (json.size() < fixed_tail_ ||
      std::memcmp(json.data() + json.size() - fixed_tail_, frame + frame_size - fixed_tail_,
                  fixed_tail_) != 0) {
    return false;
  }
  // The usual case: the holes' values as the last chunk matched had them.
  if (!has_text_) {
    if (json.size() == frame_size && std::memcmp(json.data(), frame, frame_size) == 0) {
      decode_into(0, out);
      return true;
    }
  } else if (json.size() > frame_size && std::memcmp(json.data(), frame, text_at_) == 0) {
    const std::size_t suffix_size = frame_size - text_at_ - fixed_tail_;  // 0 in vLLM's order
    if (suffix_size == 0 || std::memcmp(json.data() + json.size() - fixed_tail_ - suffix_size,
                                        frame + text_at_, suffix_size) == 0) {
      // All but the text is the template's: no other hole values can make it match.
      const std::optional<std::size_t> text_bytes =
          json_string_text_size(json.substr(text_at_, json.size() - frame_size));
      if (!text_bytes) return false;
      decode_into(*text_bytes, out);
      return true;
    }
  }
  return hole_count_ > 0 && match_holes(json, out);
}

std::size_t ChunkTemplate::recognise(std::string_view bytes, DecodedChunk& out) const {
  const char* const frame = frame_.data();
  const std::size_t frame_size = frame_.size();
  if (!has_text_) {
    if (bytes.size() < frame_size || std::memcmp(bytes.data(), frame, frame_size) != 0) return 0;
    decode_into(0, out);
    return frame_size;
  }
  // A chunk the read ends inside of is not compared (its text has a byte at least).
  if (bytes.size() <= frame_size || std::memcmp(bytes.data(), frame, text_at_) != 0) return 0;
  // The text ends at its closing quote, the first '"' not escaped; then the rest of the frame.
  // A token's text is nearly always plain bytes up to its quote: those are counted here, inline.
  const std::string_view after_prefix = bytes.substr(text_at_);
  const std::size_t plain = static_cast<std::size_t>(
      std::find_if_not(after_prefix.begin(), after_prefix.end(), is_plain_string_byte) -
      after_prefix.begin());
  StringBody text{.bytes = plain, .text_bytes = plain, .valid = true};
  if (plain == after_prefix.size() || after_prefix[plain] != '"') {
    // The rest scanned in full (escapes, UTF-8) from where the count stopped: the plain bytes are
    // ASCII, so that is between two characters.
    const StringBody rest = scan_string_body(after_prefix.substr(plain));
    text = {
        .bytes = plain + rest.bytes, .text_bytes = plain + rest.text_bytes, .valid = rest.valid};
  }
  const std::size_t after_text = frame_size - text_at_;
  if (!text.valid || text.bytes == 0 || bytes.size() - text_at_ - text.bytes < after_text ||
      std::memcmp(bytes.data() + text_at_ + text.bytes, frame + text_at_, after_text) != 0) {
    return 0;
  }
  decode_into(text.text_bytes, out);
  return frame_size + text.bytes;
}

bool ChunkTemplate::match_holes(std::string_view json, DecodedChunk& out) {
  const std::string_view frame(frame_);
  std::array<Found, kMaxIgnoredValues> found{};
  // From the start to the text: each hole's fixed bytes before it, then its value.
  std::size_t at = 0;    // in json
  std::size_t from = 0;  // in frame_
  for (std::size_t i = 0; i < holes_before_text_; ++i) {
    const Hole& hole = holes_[i];
    const std::string_view fixed = frame.substr(from, hole.at - from);
    if (!holds_at(json, at, fixed)) return false;
    at += fixed.size();
    const std::size_t end = at + value_size_from(json, at, hole.kind);
    if (!is_whole_value(json.substr(at, end - at), hole.kind)) return false;
    found[i] = {.at = at, .size = end - at};
    at = end;
    from = hole.at + hole.size;
  }
  const std::string_view before_text = frame.substr(from, text_at_ - from);
  if (!holds_at(json, at, before_text)) return false;
  at += before_text.size();

  // From the end back to the text: each hole's fixed bytes after it, then its value.
  std::size_t end = json.size();  // in json
  std::size_t to = frame.size();  // in frame_
  for (std::size_t i = hole_count_; i-- > holes_before_text_;) {
    const Hole& hole = holes_[i];
    const std::string_view fixed = frame.substr(hole.at + hole.size, to - hole.at - hole.size);
    if (end < at + fixed.size() || !holds_at(json, end - fixed.size(), fixed)) return false;
    end -= fixed.size();
    const std::size_t start = end - value_size_to(json, at, end, hole.kind);
    if (!is_whole_value(json.substr(start, end - start), hole.kind)) return false;
    found[i] = {.at = start, .size = end - start};
    end = start;
    to = hole.at;
  }
  const std::string_view after_text = frame.substr(text_at_, to - text_at_);
  if (end < at + after_text.size() || !holds_at(json, end - after_text.size(), after_text)) {
    return false;
  }
  end -= after_text.size();

  // What is left is the text.
  const Found text{.at = at, .size = end - at};
  std::size_t text_bytes = 0;
  if (has_text_) {
    if (text.size == 0) return false;
    const std::optional<std::size_t> size = json_string_text_size(json.substr(at, text.size));
    if (!size) return false;
    text_bytes = *size;
  } else if (text.size != 0) {
    return false;
  }
  decode_into(text_bytes, out);
  adopt(json, text, found);
  ++adoptions_;
  return true;
}

void ChunkTemplate::take_hole_values(const ChunkTemplate& source) {
  // The holes before the text are fields in the same place in both (vLLM's id, object, created,
  // model lead every chunk) while the bytes before each are the same; the first that differs ends
  // the run.
  const std::size_t count = std::min(holes_before_text_, source.holes_before_text_);
  std::size_t from = 0;  // in both frames
  for (std::size_t i = 0; i < count; ++i) {
    const Hole& hole = holes_[i];
    const Hole& source_hole = source.holes_[i];
    if (hole.at != source_hole.at || hole.size != source_hole.size ||
        hole.kind != source_hole.kind ||
        std::memcmp(frame_.data() + from, source.frame_.data() + from, hole.at - from) != 0) {
      return;
    }
    std::memcpy(frame_.data() + hole.at, source.frame_.data() + hole.at, hole.size);
    from = hole.at + hole.size;
  }
}

}  // namespace llmpace::openai
