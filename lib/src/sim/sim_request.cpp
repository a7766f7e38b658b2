#include "llmpace/sim/sim_request.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

namespace llmpace::sim {
namespace {

using Json = nlohmann::json;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The text of one chat message's content: a string, null, or an array of parts of which only
// {"type":"text","text":...} carry text (images and audio add no tokens in this model).
std::optional<std::int64_t> count_content_words(const Json& content) {
  if (content.is_null()) return 0;
  if (content.is_string()) return count_words(content.get_ref<const std::string&>());
  if (!content.is_array()) return std::nullopt;
  std::int64_t words = 0;
  for (const Json& part : content) {
    if (!part.is_object()) return std::nullopt;
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) return std::nullopt;
    if (*type != "text") continue;
    const auto text = part.find("text");
    if (text == part.end() || !text->is_string()) return std::nullopt;
    words += count_words(text->get_ref<const std::string&>());
  }
  return words;
}

std::variant<std::int64_t, ApiError> chat_prompt_tokens(const Json& request) {
  const auto messages = request.find("messages");
  if (messages == request.end()) return bad_request("Field required: messages");
  if (!messages->is_array() || messages->empty()) {
    return bad_request("messages must be a non-empty array");
  }
  std::int64_t words = 0;
  for (const Json& message : *messages) {
    if (!message.is_object() || !message.contains("role")) {
      return bad_request("each message must be an object with a role");
    }
    const auto content = message.find("content");
    if (content == message.end()) continue;
    const auto message_words = count_content_words(*content);
    if (!message_words) {
      return bad_request("message content must be a string or an array of content parts");
    }
    words += *message_words;
  }
  return words;
}

std::variant<std::int64_t, ApiError> completion_prompt_tokens(const Json& request) {
  const auto prompt = request.find("prompt");
  if (prompt == request.end() || prompt->is_null()) return bad_request("Field required: prompt");
  if (prompt->is_string()) return count_words(prompt->get_ref<const std::string&>());
  if (prompt->is_array() && prompt->size() == 1 && prompt->front().is_string()) {
    return count_words(prompt->front().get_ref<const std::string&>());
  }
  // A list of token ids: one token each.
  if (prompt->is_array() && !prompt->empty()) {
    for (const Json& token : *prompt) {
      if (!token.is_number_integer()) {
        return bad_request("prompt must be a string, a list of one string, or a list of token ids");
      }
    }
    return static_cast<std::int64_t>(prompt->size());
  }
  return bad_request("prompt must be a string, a list of one string, or a list of token ids");
}

// max_completion_tokens wins over the older max_tokens in chat, as in vLLM; null means unset.
std::variant<std::int64_t, ApiError> output_tokens(const Json& request, openai::ApiKind api,
                                                   std::int64_t default_output_tokens) {
  const bool chat = api == openai::ApiKind::chat_completions;
  for (const std::string_view name : {"max_completion_tokens", "max_tokens"}) {
    if (!chat && name == "max_completion_tokens") continue;
    const auto field = request.find(name);
    if (field == request.end() || field->is_null()) continue;
    if (!field->is_number_integer()) return bad_request(fmt::format("{} must be an integer", name));
    const auto value = field->get<std::int64_t>();
    if (value < 1) return bad_request(fmt::format("{} must be at least 1, got {}.", name, value));
    return value;
  }
  return default_output_tokens;
}

std::optional<ApiError> read_bool(const Json& object, const char* name, bool& out) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  if (!field->is_boolean()) return bad_request(fmt::format("{} must be a boolean", name));
  out = field->get<bool>();
  return std::nullopt;
}

}  // namespace

ApiError bad_request(std::string message) { return {400, "BadRequestError", std::move(message)}; }

ApiError model_not_found(std::string_view model) {
  return {404, "NotFoundError", fmt::format("The model `{}` does not exist.", model)};
}

ApiError internal_error(std::string message) {
  return {500, "InternalServerError", std::move(message)};
}

std::string error_body(const ApiError& error) {
  const Json body{{"object", "error"},
                  {"message", error.message},
                  {"type", error.type},
                  {"param", nullptr},
                  {"code", error.status}};
  return body.dump();
}

std::int64_t count_words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = is_space(c);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::variant<GenerationRequest, ApiError> parse_generation_request(
    openai::ApiKind api, std::string_view body, std::string_view served_model,
    std::int64_t default_output_tokens) {
  const Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return bad_request("The request body is not valid JSON.");
  if (!request.is_object()) return bad_request("The request body must be a JSON object.");

  const auto model = request.find("model");
  if (model != request.end() && !model->is_null()) {
    if (!model->is_string()) return bad_request("model must be a string");
    if (model->get_ref<const std::string&>() != served_model) {
      return model_not_found(model->get_ref<const std::string&>());
    }
  }

  GenerationRequest parsed;
  parsed.api = api;
  auto prompt = api == openai::ApiKind::chat_completions ? chat_prompt_tokens(request)
                                                         : completion_prompt_tokens(request);
  if (auto* error = std::get_if<ApiError>(&prompt)) return std::move(*error);
  parsed.prompt_tokens = std::get<std::int64_t>(prompt);

  auto output = output_tokens(request, api, default_output_tokens);
  if (auto* error = std::get_if<ApiError>(&output)) return std::move(*error);
  parsed.output_tokens = std::get<std::int64_t>(output);

  if (auto error = read_bool(request, "stream", parsed.stream)) return std::move(*error);
  if (auto error = read_bool(request, "ignore_eos", parsed.ignore_eos)) return std::move(*error);
  const auto stream_options = request.find("stream_options");
  if (stream_options != request.end() && !stream_options->is_null()) {
    if (!stream_options->is_object()) return bad_request("stream_options must be an object");
    if (!parsed.stream) {
      return bad_request("Stream options can only be defined when `stream=True`.");
    }
    if (auto error = read_bool(*stream_options, "include_usage", parsed.include_usage)) {
      return std::move(*error);
    }
  }
  return parsed;
}

}  // namespace llmpace::sim
