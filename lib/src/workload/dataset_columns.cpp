#include "dataset_columns.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <span>

#include "llmpace/core/utf8.hpp"

namespace llmpace::workload::detail {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// At most `limit` bytes of `text`, cut at a UTF-8 character boundary, with "..." when cut.
std::string shorten(std::string_view text, std::size_t limit = 40) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}...", text.substr(0, cut));
}

/// The cell's value as a message shows it: text in single quotes, other JSON as JSON.
std::string show(const Cell& cell) {
  if (cell.text != nullptr) return fmt::format("'{}'", shorten(to_valid_utf8(*cell.text)));
  if (cell.json->is_string()) {
    return fmt::format("'{}'", shorten(cell.json->get_ref<const std::string&>()));
  }
  return shorten(cell.json->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

/// A whole number written as an integer or as a number with an integral value ("128.0", "1e3").
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  std::int64_t whole = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (error == std::errc{} && end == text.data() + text.size()) return static_cast<double>(whole);
  double value = 0;
  auto [end2, error2] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error2 != std::errc{} || end2 != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

/// The text of a chat message's content: a string, or the "text" parts of a list of parts joined
/// by newlines (image and other parts are left out). Nothing for other values.
std::optional<std::string> content_text(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  for (const auto& part : content) {
    if (!part.is_object()) return std::nullopt;
    const auto type = part.find("type");
    const auto part_text = part.find("text");
    if (type != part.end() && *type == "text" && part_text != part.end() &&
        part_text->is_string()) {
      if (!text.empty()) text.push_back('\n');
      text.append(part_text->get_ref<const std::string&>());
    }
  }
  return text;
}

const std::string* string_field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = ascii_lower(c);
  return result;
}

/// Chat messages: the last user message is the prompt; the assistant reply that follows it, if
/// any, is the reference output, and the messages after the last user message are dropped (the
/// request sends the conversation up to the turn the server must answer).
std::string take_messages(nlohmann::json& messages, std::string_view name, DatasetRow& row) {
  std::optional<std::size_t> last_user;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    const std::string* role = message.is_object() ? string_field(message, "role") : nullptr;
    if (role == nullptr) return fmt::format("'{}'[{}] has no role", name, i);
    if (*role == "user") last_user = i;
  }
  if (!last_user) return fmt::format("no user message in '{}'", name);
  const auto& user = messages[*last_user];
  const auto content = user.find("content");
  std::optional<std::string> text = content == user.end() ? std::nullopt : content_text(*content);
  if (!text) return fmt::format("'{}'[{}] has no text content", name, *last_user);
  if (text->empty()) return fmt::format("the last user message in '{}' is empty", name);
  for (std::size_t i = *last_user + 1; i < messages.size(); ++i) {
    if (*string_field(messages[i], "role") != "assistant") continue;
    const auto reply = messages[i].find("content");
    if (reply != messages[i].end()) {
      if (auto reply_text = content_text(*reply)) row.reference_output = std::move(*reply_text);
    }
    break;
  }
  messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(*last_user + 1), messages.end());
  row.prompt = std::move(*text);
  row.messages = std::move(messages);
  return {};
}

/// ShareGPT conversations: the first human (or user) turn is the prompt, the gpt (or assistant)
/// turn right after it the reference output. Turns from others (system, tools) are passed over.
std::string take_conversation(const nlohmann::json& turns, std::string_view name, DatasetRow& row) {
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const auto& turn = turns[i];
    const std::string* from = turn.is_object() ? string_field(turn, "from") : nullptr;
    if (from == nullptr) return fmt::format("'{}'[{}] has no 'from'", name, i);
    const std::string speaker = lower(*from);
    if (speaker != "human" && speaker != "user") continue;
    const std::string* value = string_field(turn, "value");
    if (value == nullptr) return fmt::format("'{}'[{}] has no text 'value'", name, i);
    if (value->empty()) return fmt::format("the first human turn in '{}' is empty", name);
    row.prompt = *value;
    if (i + 1 < turns.size() && turns[i + 1].is_object()) {
      const std::string* next_from = string_field(turns[i + 1], "from");
      const std::string* reply = string_field(turns[i + 1], "value");
      const std::string next = next_from != nullptr ? lower(*next_from) : std::string();
      if ((next == "gpt" || next == "assistant") && reply != nullptr) row.reference_output = *reply;
    }
    return {};
  }
  return fmt::format("no human turn in '{}'", name);
}

std::string no_prompt_columns_reason() {
  std::string names;
  for (const auto name : kPromptColumns) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return fmt::format("no prompt: none of the columns {} and no input length", names);
}

/// The first present (non-blank) cell among `names`.
Cell find_first(RowView& view, std::span<const std::string_view> names) {
  for (const auto name : names) {
    Cell cell = view.find(name);
    if (!cell.blank()) return cell;
  }
  return {};
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8::decode_utf8(text, i).length;
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string result;
  result.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8::decode_utf8(text, i).length;
    if (length == 0) {
      result += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      result.append(text.substr(i, length));
      i += length;
    }
  }
  return result;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool Cell::blank() const {
  if (text != nullptr) return text->empty();
  if (json == nullptr || json->is_null()) return true;
  return json->is_string() && json->get_ref<const std::string&>().empty();
}

CountResult parse_count(const Cell& cell) {
  std::optional<double> number;
  if (cell.text != nullptr) {
    number = parse_number(*cell.text);
  } else if (cell.json->is_number_integer()) {
    // Doubles hold every count in range exactly; a huge value cannot round into the range.
    const auto whole = cell.json->is_number_unsigned()
                           ? static_cast<double>(cell.json->get<std::uint64_t>())
                           : static_cast<double>(cell.json->get<std::int64_t>());
    number = whole;
  } else if (cell.json->is_number_float()) {
    number = cell.json->get<double>();
  } else if (cell.json->is_string()) {
    number = parse_number(cell.json->get_ref<const std::string&>());
  }
  if (number && *number >= 1 && *number <= static_cast<double>(kMaxRowTokens) &&
      std::floor(*number) == *number) {
    return {.value = static_cast<std::int64_t>(*number), .error = {}};
  }
  return {.value = std::nullopt,
          .error = fmt::format("'{}' must be a whole number from 1 to {}, got {}", cell.name,
                               kMaxRowTokens, show(cell))};
}

TimestampResult parse_timestamp(const Cell& cell) {
  std::optional<double> number;
  bool integer = false;
  const std::string* text = cell.text;
  if (text == nullptr && cell.json->is_string()) text = &cell.json->get_ref<const std::string&>();
  if (text != nullptr) {
    const std::string_view trimmed = trim(*text);
    double value = 0;
    const auto [end, error] =
        std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
    if (!trimmed.empty() && error == std::errc{} && end == trimmed.data() + trimmed.size()) {
      number = value;
      integer = trimmed.find_first_of(".eE") == std::string_view::npos;
    }
  } else if (cell.json->is_number()) {
    number = cell.json->get<double>();
    integer = cell.json->is_number_integer();
  }
  if (!number || !std::isfinite(*number)) {
    return {.value = std::nullopt,
            .error = fmt::format("'{}' is not a number, got {}", cell.name, show(cell))};
  }
  if (*number < 0) {
    return {.value = std::nullopt,
            .error = fmt::format("'{}' is negative, got {}", cell.name, show(cell))};
  }
  return {.value = RawTimestamp{.value = *number, .integer = integer}, .error = {}};
}

RowExtractor::RowExtractor(std::string named_column)
    : named_(std::move(named_column)), prompt_column_(named_) {}

std::string RowExtractor::extract(RowView& view, DatasetRow& row,
                                  std::optional<RawTimestamp>& timestamp) {
  timestamp.reset();
  if (!named_.empty() && !named_found_) {
    if (view.find(named_).present()) {
      named_found_ = true;
    } else {
      note_columns(view);
    }
  }

  std::string_view detected_prompt;  // the columns detected in this row
  std::string_view detected_time;

  // The prompt.
  Cell cell;
  if (!prompt_column_.empty()) {
    cell = view.find(prompt_column_);
  } else {
    cell = find_first(view, kPromptColumns);
    detected_prompt = cell.name;
  }
  if (!cell.blank()) {
    if (std::string reason = take_prompt(cell, row); !reason.empty()) return reason;
  }

  // The token counts.
  if (const Cell count = find_first(view, kPromptTokenColumns); count.present()) {
    auto [value, error] = parse_count(count);
    if (!value) return error;
    row.prompt_tokens = value;
  }
  if (const Cell count = find_first(view, kOutputTokenColumns); count.present()) {
    auto [value, error] = parse_count(count);
    if (!value) return error;
    row.output_tokens = value;
  }
  if (row.prompt.empty() && !row.prompt_tokens) {
    if (prompt_column_.empty()) return no_prompt_columns_reason();
    return fmt::format("no prompt: '{}' is missing or empty and no input length", prompt_column_);
  }

  // The timestamp.
  Cell time;
  if (timestamp_column_.empty()) {
    time = find_first(view, kTimestampColumns);
    detected_time = time.name;
  } else {
    time = view.find(timestamp_column_);
  }
  if (!time.blank()) {
    auto [value, error] = parse_timestamp(time);
    if (!value) return error;
    timestamp = value;
  }
  if (!saw_input_length_ && view.find("input_length").present()) saw_input_length_ = true;
  // Detection holds from the first usable row on.
  if (!detected_prompt.empty()) prompt_column_ = detected_prompt;
  if (!detected_time.empty()) timestamp_column_ = detected_time;
  return {};
}

std::string RowExtractor::extract_bare_prompt(std::string text, DatasetRow& row) {
  if (text.empty()) return "empty prompt";
  row.prompt = std::move(text);
  return {};
}

std::string RowExtractor::take_prompt(Cell& cell, DatasetRow& row) const {
  if (cell.text != nullptr) {
    if (!valid_utf8(*cell.text)) return fmt::format("'{}' is not valid UTF-8", cell.name);
    row.prompt = std::move(*cell.text);
    return {};
  }
  nlohmann::json& value = *cell.json;
  if (value.is_string()) {
    row.prompt = std::move(value.get_ref<std::string&>());
    return {};
  }
  if (value.is_array()) {
    if (value.empty()) return fmt::format("no prompt: '{}' is an empty list", cell.name);
    const auto& first = value.front();
    if (first.is_object() && first.contains("from")) {
      return take_conversation(value, cell.name, row);
    }
    if (first.is_object() && first.contains("role")) return take_messages(value, cell.name, row);
    return fmt::format(
        "'{}' is a list of neither chat messages {{role, content}} nor conversation turns "
        "{{from, value}}",
        cell.name);
  }
  return fmt::format("'{}' is not text but {}", cell.name, value.type_name());
}

void RowExtractor::note_columns(const RowView& view) {
  constexpr std::size_t kMaxNames = 64;
  if (columns_seen_.size() >= kMaxNames) return;
  scratch_names_.clear();
  view.column_names(scratch_names_);
  for (auto& name : scratch_names_) {
    if (columns_seen_.size() >= kMaxNames) break;
    if (columns_seen_set_.insert(name).second) columns_seen_.push_back(std::move(name));
  }
}

}  // namespace llmpace::workload::detail
