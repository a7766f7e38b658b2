#include "llmpace/openai/chunk_decoder.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "llmpace/core/json_space.hpp"
#include "llmpace/openai/chunk_template.hpp"

namespace llmpace::openai {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

constexpr std::size_t kExcerptBytes = 80;  // enough to recognise a payload in a report

std::string excerpt(std::string_view data) {
  const std::string_view trimmed = trim_json_space(data);
  if (trimmed.size() <= kExcerptBytes) return std::string(trimmed);
  return fmt::format("{}...", trimmed.substr(0, kExcerptBytes));
}

// Reads a string value. Anything else (null in particular: llama.cpp sends "content":null on its
// first chunk) counts as absent and leaves `out` untouched.
error_code read_string(od::value& value, std::string_view& out, bool& present) {
  od::json_type type{};
  if (error_code error = value.type().get(type)) return error;
  present = type == od::json_type::string;
  return present ? value.get_string().get(out) : SUCCESS;
}

// One pass over a chunk's JSON, in document order (servers order their fields differently).
// On-demand parsing validates what it walks: a truncated or broken chunk fails, but bytes after
// the root object's closing brace go unchecked (simdjson 3.0.1 has no document::at_end()).
// String views point into the parser and die with the next document.
class ChunkScanner {
 public:
  /// `json` is where the document's text starts (for layout()).
  ChunkScanner(ApiKind api, DecodedChunk& out, const char* json)
      : api_(api), out_(out), json_(json) {}

  error_code scan(od::document& doc) {
    od::object root;
    if (error_code error = doc.get_object().get(root)) return error;
    for (auto field_result : root) {
      if (error_code error = field_result.error()) return error;
      od::field& field = field_result.value_unsafe();
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      error_code error = SUCCESS;
      if (key == "choices") {
        error = scan_choices(value);
      } else if (key == "usage") {
        error = scan_usage(value);
      } else if (key == "error") {
        error = scan_error(value);
      } else if (key == "object") {
        std::string_view object;
        bool present = false;
        error = read_string(value, object, present);
        object_is_error_ = present && object == "error";
      } else if (key == "message") {
        error = read_string(value, top_message_, has_top_message_);
      } else if (layout_.ignored_count < layout_.ignored_values.size()) {
        // A value the decoder does not read (id, created, model...), which a template may vary.
        layout_.ignored_values[layout_.ignored_count++] =
            static_cast<std::size_t>(value.raw_json_token().data() - json_);
      }
      if (error) return error;
    }
    return SUCCESS;
  }

  [[nodiscard]] std::size_t choices() const { return choices_; }
  /// An `error` object, or vLLM's flat `{"object":"error","message":...}` form.
  [[nodiscard]] bool is_error() const { return has_error_ || object_is_error_; }
  /// error.message (or a string `error`) first, else the top-level message; empty if none.
  [[nodiscard]] std::string_view message() const {
    if (has_error_message_) return error_message_;
    return has_top_message_ ? top_message_ : std::string_view();
  }

  /// Where the chunk's parts that a template may vary are: its one sized string (content, text or
  /// reasoning), if it had exactly one, and the values the scan did not read.
  [[nodiscard]] ChunkTemplate::Layout layout() const {
    ChunkTemplate::Layout layout = layout_;
    if (text_strings_ != 1) layout.text_quote.reset();
    return layout;
  }

 private:
  error_code scan_choices(od::value& value) {
    od::json_type type{};
    if (error_code error = value.type().get(type)) return error;
    if (type != od::json_type::array) return SUCCESS;
    od::array choices;
    if (error_code error = value.get_array().get(choices)) return error;
    for (auto element : choices) {
      od::value choice;
      if (error_code error = element.get(choice)) return error;
      ++choices_;
      if (error_code error = scan_choice(choice)) return error;
    }
    return SUCCESS;
  }

  error_code scan_choice(od::value& value) {
    od::object choice;
    if (error_code error = value.get_object().get(choice)) return error;
    for (auto field_result : choice) {
      if (error_code error = field_result.error()) return error;
      od::field& field = field_result.value_unsafe();
      const od::raw_json_string key = field.key();
      error_code error = SUCCESS;
      if (key == "finish_reason") {
        std::string_view reason;
        bool present = false;
        error = read_string(field.value(), reason, present);
        if (present) out_.finish_reason.emplace(reason);
      } else if (api_ == ApiKind::chat_completions && key == "delta") {
        error = scan_delta(field.value());
      } else if (api_ == ApiKind::completions && key == "text") {
        std::size_t size = 0;
        error = read_text_size(field.value(), ChunkTemplate::TextField::content, size);
        out_.content_bytes += size;
      }
      if (error) return error;
    }
    return SUCCESS;
  }

  error_code scan_delta(od::value& value) {
    od::json_type type{};
    if (error_code error = value.type().get(type)) return error;
    if (type != od::json_type::object) return SUCCESS;
    od::object delta;
    if (error_code error = value.get_object().get(delta)) return error;
    std::size_t reasoning_bytes = 0;
    for (auto field_result : delta) {
      if (error_code error = field_result.error()) return error;
      od::field& field = field_result.value_unsafe();
      const od::raw_json_string key = field.key();
      error_code error = SUCCESS;
      std::size_t size = 0;
      if (key == "content") {
        error = read_text_size(field.value(), ChunkTemplate::TextField::content, size);
        out_.content_bytes += size;
      } else if (key == "reasoning_content" || key == "reasoning") {
        // vLLM renamed reasoning_content to reasoning and for a while sent both with the same
        // text: count the longer one, not the sum.
        error = read_text_size(field.value(), ChunkTemplate::TextField::reasoning, size);
        reasoning_bytes = std::max(reasoning_bytes, size);
      } else if (key == "role") {
        std::string_view role;
        bool present = false;
        error = read_string(field.value(), role, present);
        out_.has_role = out_.has_role || (present && !role.empty());
      }
      if (error) return error;
    }
    out_.reasoning_bytes += reasoning_bytes;
    return SUCCESS;
  }

  /// Reads a string whose size the chunk reports (absent: 0), noting where it is.
  error_code read_text_size(od::value& value, ChunkTemplate::TextField field, std::size_t& size) {
    const char* token = value.raw_json_token().data();  // not consumed: a view of the document
    std::string_view text;
    bool present = false;
    if (error_code error = read_string(value, text, present)) return error;
    size = text.size();
    if (present) {
      ++text_strings_;
      layout_.text_quote = static_cast<std::size_t>(token - json_);
      layout_.text_field = field;
    }
    return SUCCESS;
  }

  error_code scan_usage(od::value& value) {
    od::json_type type{};
    if (error_code error = value.type().get(type)) return error;
    if (type != od::json_type::object) return SUCCESS;  // vLLM completions send "usage":null
    od::object usage_object;
    if (error_code error = value.get_object().get(usage_object)) return error;
    Usage usage;
    bool saw_prompt = false;
    bool saw_completion = false;
    for (auto field_result : usage_object) {
      if (error_code error = field_result.error()) return error;
      od::field& field = field_result.value_unsafe();
      const od::raw_json_string key = field.key();
      std::optional<std::int64_t>* target = nullptr;
      std::string_view name;
      if (key == "prompt_tokens") {
        target = &usage.prompt_tokens;
        name = "prompt_tokens";
        saw_prompt = true;
      } else if (key == "completion_tokens") {
        target = &usage.completion_tokens;
        name = "completion_tokens";
        saw_completion = true;
      } else {
        continue;
      }
      if (error_code error = read_count(field.value(), name, *target, usage.problem)) return error;
    }
    if (!saw_completion) add_problem(usage.problem, "no completion_tokens");
    if (!saw_prompt) add_problem(usage.problem, "no prompt_tokens");
    out_.usage = std::move(usage);
    return SUCCESS;
  }

  static void add_problem(std::string& problems, std::string_view problem) {
    if (!problems.empty()) problems += "; ";
    problems += problem;
  }

  /// Reads a token count: a whole number >= 0, written 8, 8.0 or 8e0. Anything else leaves
  /// `count` empty and says why in `problems`. Only JSON that does not parse is an error.
  static error_code read_count(od::value& value, std::string_view name,
                               std::optional<std::int64_t>& count, std::string& problems) {
    od::json_type type{};
    if (error_code error = value.type().get(type)) return error;
    if (type == od::json_type::null) {
      add_problem(problems, fmt::format("{} is null", name));
      return SUCCESS;
    }
    if (type != od::json_type::number) {
      // The token as written: "7", true, or the rest of the document from a [ or {.
      const std::string_view raw = value.raw_json_token();
      add_problem(problems, fmt::format("{} is not a number ({})", name, excerpt(raw)));
      return SUCCESS;
    }
    od::number number;
    if (error_code error = value.get_number().get(number)) return error;
    constexpr double kLargestCount = 1e15;  // far beyond any context window, exact in a double
    double as_double = 0;
    switch (number.get_number_type()) {
      case od::number_type::signed_integer:
        as_double = static_cast<double>(number.get_int64());
        if (number.get_int64() >= 0) {
          count = number.get_int64();
          return SUCCESS;
        }
        break;
      case od::number_type::unsigned_integer:
        as_double = static_cast<double>(number.get_uint64());
        break;
      default:
        as_double = number.get_double();
        break;
    }
    if (as_double < 0) {
      add_problem(problems, fmt::format("{} is negative ({:g})", name, as_double));
    } else if (as_double != std::floor(as_double)) {
      add_problem(problems, fmt::format("{} is not a whole number ({:g})", name, as_double));
    } else if (as_double > kLargestCount) {
      add_problem(problems, fmt::format("{} is implausibly large ({:g})", name, as_double));
    } else {
      count = static_cast<std::int64_t>(as_double);
    }
    return SUCCESS;
  }

  error_code scan_error(od::value& value) {
    od::json_type type{};
    if (error_code error = value.type().get(type)) return error;
    if (type == od::json_type::null) return SUCCESS;
    has_error_ = true;
    if (type == od::json_type::string) {
      return read_string(value, error_message_, has_error_message_);
    }
    if (type != od::json_type::object) return SUCCESS;
    od::object error_object;
    if (error_code error = value.get_object().get(error_object)) return error;
    for (auto field_result : error_object) {
      if (error_code error = field_result.error()) return error;
      od::field& field = field_result.value_unsafe();
      if (field.key() == "message") {
        if (error_code error = read_string(field.value(), error_message_, has_error_message_)) {
          return error;
        }
      }
    }
    return SUCCESS;
  }

  ApiKind api_;
  DecodedChunk& out_;
  const char* json_;
  std::size_t text_strings_ = 0;  // strings read by read_text_size()
  ChunkTemplate::Layout layout_;  // its text_quote the last of those strings'
  std::size_t choices_ = 0;
  bool has_error_ = false;
  bool object_is_error_ = false;
  bool has_error_message_ = false;
  bool has_top_message_ = false;
  std::string_view error_message_;  // error.message, or `error` itself when it is a string
  std::string_view top_message_;    // vLLM's flat ErrorResponse puts the message at the top
};

DecodedChunk error_chunk(std::string message) {
  DecodedChunk chunk;
  chunk.kind = ChunkKind::error;
  chunk.error_message = std::move(message);
  return chunk;
}

ChunkKind classify(const DecodedChunk& chunk, std::size_t choices) {
  if (chunk.content_bytes > 0) return ChunkKind::content;
  if (chunk.reasoning_bytes > 0) return ChunkKind::reasoning;
  if (chunk.finish_reason) return ChunkKind::finish;
  if (choices == 0 && chunk.usage) return ChunkKind::usage_only;
  if (chunk.has_role) return ChunkKind::role_only;
  return ChunkKind::empty;
}

}  // namespace

namespace {

/// A byte buffer with simdjson's padding after its contents, grown (never shrunk) to the largest
/// contents seen, so steady-state decoding does not allocate.
class PaddedBuffer {
 public:
  [[nodiscard]] const char* data() const { return bytes_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }

  /// Appends `text` and a '\n', and zeroes the padding after them: bytes past the end of a JSON
  /// text can be read by simdjson, and must not be an earlier chunk's.
  void append_line(std::string_view text) {
    const std::size_t needed = size_ + text.size() + 1 + simdjson::SIMDJSON_PADDING;
    if (needed > capacity_) {
      const std::size_t capacity = std::max(needed, 2 * capacity_);
      auto grown = std::make_unique<char[]>(capacity);
      if (size_ > 0) std::memcpy(grown.get(), bytes_.get(), size_);
      bytes_ = std::move(grown);
      capacity_ = capacity;
    }
    std::memcpy(bytes_.get() + size_, text.data(), text.size());
    size_ += text.size();
    bytes_[size_++] = '\n';
    std::memset(bytes_.get() + size_, 0, simdjson::SIMDJSON_PADDING);
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

/// Fewer documents than this are decoded one by one. A batch saves about 300 instructions of stage
/// 1 per document but costs about 2,000 of its own (simdjson's document_stream: its start, a
/// stage-1 worker it allocates, the sentinel), so it pays from 7 documents on (callgrind, 1 and 64
/// tokens against bench/canned_server: docs/performance.md).
constexpr std::size_t kMinBatchDocuments = 8;
/// The first JSON events of a read are decoded as they are queued, with one copy, as decode()
/// does: most reads complete one event, or a few, and waiting to see whether a batch is worth it
/// would cost a second copy of each.
constexpr std::size_t kDecidedAtOnce = kMinBatchDocuments - 1;

/// What the decoders of one thread share: the simdjson parser and the buffers of the queued
/// events. Per thread rather than per decoder, so a stream's decoder holds no parser memory.
struct ThreadScratch {
  /// One batch's stage 1 at most (a plain TCP read is 64 KiB). The parser keeps this capacity and
  /// simdjson's default depth: iterate_many() reallocates a parser allocated any other way.
  static constexpr std::size_t kBatchBytes = 64 * 1024;

  ThreadScratch() {
#ifdef SIMDJSON_THREADS_ENABLED
    parser.threaded = false;  // a batch larger than kBatchBytes is parsed here, not on a new thread
#endif
    // A failed allocation leaves the parser empty; iterate() then allocates (and reports) again.
    [[maybe_unused]] const error_code ignored = parser.allocate(kBatchBytes);
  }

  /// An event queue()d: where its JSON is in `batch`, or that its chunk was decided at once.
  struct Entry {
    std::size_t offset = 0;
    std::size_t size = 0;
    bool json = false;     // decoded by decode_queued(); otherwise results[i].chunk is already set
    bool matched = false;  // its data is in `matched`, not in `batch`
  };

  od::parser parser;
  PaddedBuffer single;  // decode()'s copy of one event's JSON
  PaddedBuffer batch;   // the queued events' JSON, each followed by '\n', then "{}" at the end
  // The data of queued events their decoder's templates decoded. (Not a std::string: its clear()
  // writes a terminator over the first byte, which a result's view may still show.)
  std::vector<char> matched;
  std::vector<Entry> entries;
  std::size_t decided_json = 0;      // JSON events of this read decoded at once (kDecidedAtOnce)
  std::size_t batch_start = 0;       // where in `batch` the JSON left to decode starts
  std::size_t json_entries = 0;      // those left to decode
  std::vector<QueuedChunk> results;  // kept from batch to batch, their strings with them
};

ThreadScratch& thread_scratch() {
  thread_local ThreadScratch scratch;
  return scratch;
}

/// Empties `chunk` for the next one, keeping what its strings hold: results are decoded in place.
void reset(DecodedChunk& chunk) {
  chunk.kind = ChunkKind::empty;
  chunk.content_bytes = 0;
  chunk.reasoning_bytes = 0;
  chunk.has_role = false;
  chunk.finish_reason.reset();
  chunk.usage.reset();
  chunk.error_message.clear();
  chunk.malformed = false;
}

/// After a successful scan of `data` into `chunk`: classifies it, or makes it the error it reports.
void conclude_scan(DecodedChunk& chunk, const ChunkScanner& scanner, bool error_event,
                   std::string_view data) {
  if (error_event || scanner.is_error()) {
    chunk = error_chunk(scanner.message().empty()
                            ? fmt::format("server sent an error: {}", excerpt(data))
                            : std::string(scanner.message()));
    return;
  }
  chunk.kind = classify(chunk, scanner.choices());
}

/// The chunk of an event that needs no JSON parsing ([DONE], no data), or nullopt.
std::optional<DecodedChunk> chunk_without_json(std::string_view payload, bool error_event) {
  if (!error_event && payload == "[DONE]") {
    DecodedChunk chunk;
    chunk.kind = ChunkKind::done;
    return chunk;
  }
  if (payload.empty()) {
    // A data line with nothing on it carries no chunk; only an `error` event makes it a failure.
    return error_event ? error_chunk("server sent an error event with no data") : DecodedChunk{};
  }
  return std::nullopt;
}

}  // namespace

ChunkDecoder::ChunkDecoder(ApiKind api) : api_(api) {}

DecodedChunk ChunkDecoder::decode(std::string_view data, std::string_view event_name) {
  const bool error_event = event_name == "error";
  const std::string_view payload = trim_json_space(data);
  if (auto chunk = chunk_without_json(payload, error_event)) return std::move(*chunk);
  DecodedChunk chunk;
  if (!error_event && templates_.match(payload, chunk)) {
    ++template_matches_;
    return chunk;
  }

  ThreadScratch& scratch = thread_scratch();
  scratch.single.clear();
  // Followed by '\n' as in the batch buffer, so that decode_queued() can decode its last event in
  // place and still read exactly the bytes this reads (simdjson reads into the padding).
  scratch.single.append_line(payload);
  decode_padded(scratch.single.data(), payload.size(), scratch.single.capacity(), error_event, data,
                chunk);
  return chunk;
}

void ChunkDecoder::decode_padded(const char* json, std::size_t size, std::size_t allocated,
                                 bool error_event, std::string_view data, DecodedChunk& chunk) {
  reset(chunk);
  ChunkScanner scanner(api_, chunk, json);
  od::document doc;
  error_code error = thread_scratch().parser.iterate(json, size, allocated).get(doc);
  if (!error) error = scanner.scan(doc);
  if (!error) {
    conclude_scan(chunk, scanner, error_event, data);
    if (!error_event && chunk.kind != ChunkKind::error) {
      templates_.learn(std::string_view(json, size), scanner.layout(), chunk);
    }
  } else if (error_event) {
    chunk = error_chunk(fmt::format("server sent an error event: {}", excerpt(data)));
  } else {
    chunk = error_chunk(fmt::format("malformed JSON in stream chunk ({}): {}",
                                    simdjson::error_message(error), excerpt(data)));
    chunk.malformed = true;
  }
}

std::size_t ChunkDecoder::recognise(std::string_view bytes) {
  const ChunkTemplate* recogniser = templates_.recogniser();
  return recogniser == nullptr ? 0 : recogniser->recognise(bytes, recognised_);
}

const DecodedChunk& ChunkDecoder::take_recognised() {
  ++template_matches_;
  ++template_recognitions_;
  templates_.recognised();
  return recognised_;
}

void ChunkDecoder::queue(std::string_view data, std::string_view event_name, DataKept kept) {
  ThreadScratch& scratch = thread_scratch();
  const std::size_t index = scratch.entries.size();
  if (scratch.results.size() <= index) scratch.results.resize(index + 1);
  const bool error_event = event_name == "error";
  const std::string_view payload = trim_json_space(data);
  if (error_event || payload.empty() || payload == "[DONE]") {
    // Rare, and never the bulk of a read: decided at once, outside the batch.
    scratch.results[index].chunk = decode(data, event_name);
    scratch.entries.push_back({.offset = 0, .size = 0, .json = false});
    return;
  }
  if (templates_.match(payload, scratch.results[index].chunk)) {
    ++template_matches_;
    if (kept == DataKept::no) {
      scratch.entries.push_back({.offset = 0, .size = 0, .json = false});
      return;
    }
    scratch.entries.push_back(
        {.offset = scratch.matched.size(), .size = payload.size(), .json = false, .matched = true});
    scratch.matched.insert(scratch.matched.end(), payload.begin(), payload.end());
    return;
  }
  const ThreadScratch::Entry entry{
      .offset = scratch.batch.size(), .size = payload.size(), .json = true};
  scratch.batch.append_line(payload);
  if (scratch.decided_json < kDecidedAtOnce) {
    // Decoded where it lies: only '\n' and the zeroed padding follow it, as in decode()'s copy.
    ++scratch.decided_json;
    decode_padded(scratch.batch.data() + entry.offset, entry.size,
                  scratch.batch.capacity() - entry.offset, false, payload,
                  scratch.results[index].chunk);
    scratch.entries.push_back({.offset = entry.offset, .size = entry.size, .json = false});
    scratch.batch_start = scratch.batch.size();
    return;
  }
  scratch.entries.push_back(entry);
  ++scratch.json_entries;
}

std::size_t ChunkDecoder::decode_batch() {
  ThreadScratch& scratch = thread_scratch();
  const std::vector<ThreadScratch::Entry>& entries = scratch.entries;
  const auto next_json = [&](std::size_t from) {
    while (from < entries.size() && !entries[from].json) ++from;
    return from;
  };
  // A last document of its own, so that the last event's document is also seen to end where its
  // JSON does: each event's result is kept only once the next document starts where it should.
  const std::size_t sentinel_offset = scratch.batch.size();
  scratch.batch.append_line("{}");

  // The batch starts after the events decoded at once; document offsets count from there.
  const std::size_t start = scratch.batch_start;
  od::document_stream stream;
  const std::size_t batch_bytes = std::max(ThreadScratch::kBatchBytes, scratch.parser.capacity());
  if (scratch.parser
          .iterate_many(scratch.batch.data() + start, scratch.batch.size() - start, batch_bytes)
          .get(stream)) {
    return 0;
  }
  std::size_t next = next_json(0);  // the entry the next document must be
  std::size_t unconfirmed = next;   // the first entry whose result is not known good
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    od::document_reference doc;
    if ((*it).get(doc)) return unconfirmed;
    const std::size_t expected = next < entries.size() ? entries[next].offset : sentinel_offset;
    if (it.current_index() + start != expected) return unconfirmed;
    unconfirmed = next;  // the entry before ended before this document: its result stands
    if (next == entries.size()) return entries.size();  // the sentinel: every event is decoded
    DecodedChunk& chunk = scratch.results[next].chunk;
    reset(chunk);
    // (Not offered to the templates: a result stands only once the next document is seen.)
    ChunkScanner scanner(api_, chunk, scratch.batch.data() + entries[next].offset);
    if (scanner.scan(doc)) return unconfirmed;  // decoded again, alone
    const std::string_view payload(scratch.batch.data() + entries[next].offset, entries[next].size);
    conclude_scan(chunk, scanner, false, payload);
    next = next_json(next + 1);
  }
  return unconfirmed;
}

std::span<const QueuedChunk> ChunkDecoder::decode_queued() {
  ThreadScratch& scratch = thread_scratch();
  const std::size_t count = scratch.entries.size();
  const std::size_t decode_one_by_one_from =
      scratch.json_entries >= kMinBatchDocuments ? decode_batch() : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const ThreadScratch::Entry& entry = scratch.entries[i];
    QueuedChunk& result = scratch.results[i];
    result.data = std::string_view(
        (entry.matched ? scratch.matched.data() : scratch.batch.data()) + entry.offset, entry.size);
    if (!entry.json || i < decode_one_by_one_from) continue;
    // Anything the batch left in doubt (or no batch was run for) is decoded alone, exactly as
    // decode() does: the last event where it is, since only '\n' and the padding follow it, as in
    // decode()'s copy (a read that completes one event, the usual case, is copied once).
    if (entry.offset + entry.size + 1 == scratch.batch.size()) {
      decode_padded(result.data.data(), entry.size, scratch.batch.capacity() - entry.offset, false,
                    result.data, result.chunk);
    } else {
      result.chunk = decode(result.data);
    }
  }
  scratch.entries.clear();
  scratch.json_entries = 0;
  scratch.decided_json = 0;
  scratch.batch_start = 0;
  // The views stay valid: the next queue() starts the buffer again from its start.
  scratch.batch.clear();
  scratch.matched.clear();
  return {scratch.results.data(), count};
}

}  // namespace llmpace::openai
