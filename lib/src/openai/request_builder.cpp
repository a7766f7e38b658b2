#include "llmpace/openai/request_builder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace llmpace::openai {

namespace {

bool has_messages(const GenerationRequest& request) {
  return request.messages != nullptr && request.messages->is_array();
}

/// The general form: a JSON document built field by field. extra_body may replace any field in
/// place or add new ones, which only a document can do.
std::string build_with_extra_body(ApiKind api, const GenerationRequest& request) {
  // ordered_json keeps the fields in the order written: bodies read well in logs and --dry-run.
  nlohmann::ordered_json body;
  body["model"] = request.model;
  if (api == ApiKind::chat_completions && has_messages(request)) {
    body["messages"] = *request.messages;
  } else if (api == ApiKind::chat_completions) {
    body["messages"] = nlohmann::ordered_json::array(
        {nlohmann::ordered_json{{"role", "user"}, {"content", request.prompt}}});
  } else {
    body["prompt"] = request.prompt;
  }
  body["stream"] = request.stream;
  if (request.stream) {
    // The usage chunk gives exact token counts; servers reject stream_options without stream.
    body["stream_options"] = {{"include_usage", true}};
  }
  if (request.max_output_tokens) {
    if (api == ApiKind::chat_completions) {
      body["max_completion_tokens"] = *request.max_output_tokens;
    }
    body["max_tokens"] = *request.max_output_tokens;
    // Without a length there is nothing to run to, so ignore_eos would only run to the context end.
    if (request.ignore_eos) body["ignore_eos"] = true;
  }
  for (const auto& [key, value] : request.extra_body.items()) body[key] = value;
  return body.dump();
}

bool is_plain_byte(char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

/// Whether every byte of `text` is printable ASCII other than '"' and '\\' (0x20-0x7e), which JSON
/// strings hold as is. Sixteen bytes at a time (GCC's vector extensions, SSE2 on x86-64): prompts
/// are thousands of bytes, and gcc does not vectorise the byte loop (8 instructions a byte).
/// As signed bytes, 0x80-0xff are negative, so "below 0x20" catches them too.
bool is_plain_json_text(std::string_view text) {
  using Bytes = signed char __attribute__((vector_size(16)));
  std::size_t at = 0;
  for (; at + sizeof(Bytes) <= text.size(); at += sizeof(Bytes)) {
    Bytes bytes;
    std::memcpy(&bytes, text.data() + at, sizeof bytes);
    const auto escaped = (bytes < 0x20) | (bytes == 0x7f) | (bytes == '"') | (bytes == '\\');
    std::uint64_t halves[2];
    std::memcpy(halves, &escaped, sizeof halves);
    if ((halves[0] | halves[1]) != 0) return false;
  }
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at), text.end(), is_plain_byte);
}

/// A JSON string, escaped as nlohmann::json escapes it (and throwing as it does on invalid UTF-8).
/// Printable ASCII without quote or backslash, what synthetic prompts are, needs no escaping and is
/// copied as is; anything else goes through nlohmann's serializer.
void append_json_string(std::string& out, std::string_view text) {
  if (!is_plain_json_text(text)) {
    out += nlohmann::json(text).dump();
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

}  // namespace

std::string build_request_body(ApiKind api, const GenerationRequest& request) {
  if (request.extra_body.is_object() && !request.extra_body.empty()) {
    return build_with_extra_body(api, request);
  }
  // Without extra_body the text is written directly, byte for byte what the document would dump:
  // a request is built per request sent, and the document costs dozens of allocations.
  std::string body;
  body.reserve(request.prompt.size() + request.model.size() + 224);
  body += R"({"model":)";
  append_json_string(body, request.model);
  if (api == ApiKind::chat_completions && has_messages(request)) {
    body += R"(,"messages":)";
    body += request.messages->dump();
  } else if (api == ApiKind::chat_completions) {
    body += R"(,"messages":[{"role":"user","content":)";
    append_json_string(body, request.prompt);
    body += "}]";
  } else {
    body += R"(,"prompt":)";
    append_json_string(body, request.prompt);
  }
  body += request.stream ? R"(,"stream":true)" : R"(,"stream":false)";
  // The usage chunk gives exact token counts; servers reject stream_options without stream.
  if (request.stream) body += R"(,"stream_options":{"include_usage":true})";
  if (request.max_output_tokens) {
    const fmt::format_int tokens(*request.max_output_tokens);
    if (api == ApiKind::chat_completions) {
      body += R"(,"max_completion_tokens":)";
      body.append(tokens.data(), tokens.size());
    }
    body += R"(,"max_tokens":)";
    body.append(tokens.data(), tokens.size());
    // Without a length there is nothing to run to, so ignore_eos would only run to the context end.
    if (request.ignore_eos) body += R"(,"ignore_eos":true)";
  }
  body += '}';
  return body;
}

std::optional<std::string> first_model_id(std::string_view models_response_body) {
  const nlohmann::json body =
      nlohmann::json::parse(models_response_body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return std::nullopt;  // also covers a parse failure (discarded)
  const auto data = body.find("data");
  if (data == body.end() || !data->is_array() || data->empty()) return std::nullopt;
  const nlohmann::json& first = data->front();
  if (!first.is_object()) return std::nullopt;
  const auto id = first.find("id");
  if (id == first.end() || !id->is_string()) return std::nullopt;
  std::string model = id->get<std::string>();
  if (model.empty()) return std::nullopt;
  return model;
}

}  // namespace llmpace::openai
