#include "llmpace/openai/chunk_decoder.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace llmpace::openai {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

constexpr std::size_t kExcerptBytes = 80;  // enough to recognise a payload in a report

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::string excerpt(std::string_view data) {
  const std::string_view trimmed = trim(data);
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

error_code read_string_size(od::value& value, std::size_t& size) {
  std::string_view text;
  bool present = false;
  if (error_code error = read_string(value, text, present)) return error;
  size = text.size();
  return SUCCESS;
}

// One pass over a chunk's JSON, in document order (servers order their fields differently).
// On-demand parsing validates what it walks: a truncated or broken chunk fails, but bytes after
// the root object's closing brace go unchecked (simdjson 3.0.1 has no document::at_end()).
// String views point into the parser and die with the next document.
class ChunkScanner {
 public:
  ChunkScanner(ApiKind api, DecodedChunk& out) : api_(api), out_(out) {}

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
        error = read_string_size(field.value(), size);
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
        error = read_string_size(field.value(), size);
        out_.content_bytes += size;
      } else if (key == "reasoning_content" || key == "reasoning") {
        // vLLM renamed reasoning_content to reasoning and for a while sent both with the same
        // text: count the longer one, not the sum.
        error = read_string_size(field.value(), size);
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

std::string_view to_string(ChunkKind kind) {
  switch (kind) {
    case ChunkKind::empty:
      return "empty";
    case ChunkKind::role_only:
      return "role_only";
    case ChunkKind::content:
      return "content";
    case ChunkKind::reasoning:
      return "reasoning";
    case ChunkKind::finish:
      return "finish";
    case ChunkKind::usage_only:
      return "usage_only";
    case ChunkKind::done:
      return "done";
    case ChunkKind::error:
      return "error";
  }
  return "unknown";
}

struct ChunkDecoder::Impl {
  // Grows to the largest chunk seen (plus simdjson's padding) and is then reused, so steady-state
  // decoding does not allocate; the parser keeps its own buffers the same way.
  void load(std::string_view data) {
    const std::size_t needed = data.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
      capacity = std::max(needed, 2 * capacity);
      buffer = std::make_unique<char[]>(capacity);  // zeroed: the padding is read, never used
    }
    std::memcpy(buffer.get(), data.data(), data.size());
    size = data.size();
  }

  Impl() {
    // simdjson's default depth (1024) costs 8 KiB of stacks per parser, one parser per open
    // stream; the fields read nest 5 deep, and on-demand skips the others whatever their depth.
    // A failed allocation leaves the parser empty; iterate() then allocates (and reports) again.
    [[maybe_unused]] const error_code ignored = parser.allocate(kInitialCapacity, kMaxDepth);
  }

  static constexpr std::size_t kInitialCapacity = 512;
  static constexpr std::size_t kMaxDepth = 64;
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;
  std::size_t size = 0;
};

ChunkDecoder::ChunkDecoder(ApiKind api) : api_(api), impl_(std::make_unique<Impl>()) {}
ChunkDecoder::~ChunkDecoder() = default;
ChunkDecoder::ChunkDecoder(ChunkDecoder&&) noexcept = default;
ChunkDecoder& ChunkDecoder::operator=(ChunkDecoder&&) noexcept = default;

DecodedChunk ChunkDecoder::decode(std::string_view data, std::string_view event_name) {
  const bool error_event = event_name == "error";
  const std::string_view payload = trim(data);
  if (!error_event && payload == "[DONE]") {
    DecodedChunk chunk;
    chunk.kind = ChunkKind::done;
    return chunk;
  }
  if (payload.empty()) {
    // A data line with nothing on it carries no chunk; only an `error` event makes it a failure.
    return error_event ? error_chunk("server sent an error event with no data") : DecodedChunk{};
  }
  if (!impl_) impl_ = std::make_unique<Impl>();  // decoding with a moved-from decoder

  impl_->load(payload);
  DecodedChunk chunk;
  ChunkScanner scanner(api_, chunk);
  od::document doc;
  error_code error =
      impl_->parser.iterate(impl_->buffer.get(), impl_->size, impl_->capacity).get(doc);
  if (!error) error = scanner.scan(doc);
  if (error) {
    if (error_event) {
      return error_chunk(fmt::format("server sent an error event: {}", excerpt(data)));
    }
    DecodedChunk malformed = error_chunk(fmt::format(
        "malformed JSON in stream chunk ({}): {}", simdjson::error_message(error), excerpt(data)));
    malformed.malformed = true;
    return malformed;
  }
  if (error_event || scanner.is_error()) {
    if (!scanner.message().empty()) return error_chunk(std::string(scanner.message()));
    return error_chunk(fmt::format("server sent an error: {}", excerpt(data)));
  }
  chunk.kind = classify(chunk, scanner.choices());
  return chunk;
}

}  // namespace llmpace::openai
