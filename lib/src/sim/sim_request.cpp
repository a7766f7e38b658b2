#include "llmpace/sim/sim_request.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "llmpace/core/splitmix64.hpp"
#include "llmpace/sim/sim_tokenizer.hpp"

namespace llmpace::sim {
namespace {

using Json = nlohmann::json;

// Appends the tokens of one chat message's content: a string, null, or an array of parts of which
// only {"type":"text","text":...} carry text (images and audio add no tokens in this model).
// False if the content has another shape.
bool append_content_tokens(const Json& content, std::vector<std::int64_t>& ids) {
  if (content.is_null()) return true;
  if (content.is_string()) {
    append_tokens(content.get_ref<const std::string&>(), ids);
    return true;
  }
  if (!content.is_array()) return false;
  for (const Json& part : content) {
    if (!part.is_object()) return false;
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) return false;
    if (*type != "text") continue;
    const auto text = part.find("text");
    if (text == part.end() || !text->is_string()) return false;
    append_tokens(text->get_ref<const std::string&>(), ids);
  }
  return true;
}

ApiError bad_prompt() {
  return bad_request("prompt must be a string, a list of one string, or a list of token ids");
}

std::variant<std::vector<std::int64_t>, ApiError> completion_prompt_token_ids(const Json& request) {
  const auto prompt = request.find("prompt");
  if (prompt == request.end() || prompt->is_null()) return bad_request("Field required: prompt");
  if (prompt->is_string()) return completion_text_token_ids(prompt->get_ref<const std::string&>());
  if (!prompt->is_array() || prompt->empty()) return bad_prompt();
  if (prompt->size() == 1 && prompt->front().is_string()) {
    return completion_text_token_ids(prompt->front().get_ref<const std::string&>());
  }
  // A list of token ids, taken as they are.
  std::vector<std::int64_t> ids;
  ids.reserve(prompt->size());
  for (const Json& token : *prompt) {
    if (token.is_number_unsigned()) {
      const auto id = token.get<std::uint64_t>();
      if (id > static_cast<std::uint64_t>(kMaxTokenId)) {
        return bad_request(fmt::format("Token id {} is out of vocabulary", id));
      }
      ids.push_back(static_cast<std::int64_t>(id));
    } else if (token.is_number_integer()) {
      const auto id = token.get<std::int64_t>();
      if (!is_valid_token_id(id)) {
        return bad_request(fmt::format("Token id {} is out of vocabulary", id));
      }
      ids.push_back(id);
    } else {
      return bad_prompt();
    }
  }
  return ids;
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

}  // namespace

std::optional<ApiError> read_bool(const Json& object, const char* name, bool& out) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) return std::nullopt;
  if (!field->is_boolean()) return bad_request(fmt::format("{} must be a boolean", name));
  out = field->get<bool>();
  return std::nullopt;
}

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

std::vector<std::int64_t> completion_text_token_ids(std::string_view text,
                                                    bool add_special_tokens) {
  std::vector<std::int64_t> ids;
  if (add_special_tokens) ids.push_back(word_token_id(kBosToken));
  append_tokens(text, ids);
  return ids;
}

std::int64_t count_words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = is_token_separator(c);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::variant<std::vector<std::int64_t>, ApiError> chat_prompt_token_ids(
    const Json& request, ChatTemplateOptions options) {
  const auto messages = request.find("messages");
  if (messages == request.end()) return bad_request("Field required: messages");
  if (!messages->is_array() || messages->empty()) {
    return bad_request("messages must be a non-empty array");
  }
  std::vector<std::int64_t> ids;
  if (options.add_special_tokens) ids.push_back(word_token_id(kBosToken));  // BOS twice, as vLLM
  ids.push_back(word_token_id(kBosToken));
  const auto append_header = [&ids](std::string_view role) {
    ids.push_back(word_token_id(kHeaderStartToken));
    append_tokens(role, ids);
    ids.push_back(word_token_id(kHeaderEndToken));
  };
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const Json& message = (*messages)[i];
    const auto role = message.is_object() ? message.find("role") : message.end();
    if (!message.is_object() || role == message.end() || !role->is_string()) {
      return bad_request("each message must be an object with a role");
    }
    append_header(role->get_ref<const std::string&>());
    const auto content = message.find("content");
    if (content != message.end() && !append_content_tokens(*content, ids)) {
      return bad_request("message content must be a string or an array of content parts");
    }
    const bool last = i + 1 == messages->size();
    if (!(last && options.continue_final_message)) ids.push_back(word_token_id(kEndOfTurnToken));
  }
  if (options.add_generation_prompt && !options.continue_final_message) append_header("assistant");
  return ids;
}

std::optional<ApiError> check_model(const Json& request, std::string_view served_model) {
  const auto model = request.find("model");
  if (model == request.end() || model->is_null()) return std::nullopt;
  if (!model->is_string()) return bad_request("model must be a string");
  if (model->get_ref<const std::string&>() != served_model) {
    return model_not_found(model->get_ref<const std::string&>());
  }
  return std::nullopt;
}

std::int64_t natural_output_tokens(std::uint64_t seed, std::uint64_t request_key,
                                   double mean_tokens) {
  if (!(mean_tokens > 1.0)) return 1;
  const std::uint64_t bits = splitmix64(splitmix64(seed) ^ request_key);
  const double uniform = (static_cast<double>(bits >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  // P(tokens > k) = (1 - p)^k with p = 1 / mean_tokens.
  const double extra = std::floor(std::log(uniform) / std::log1p(-1.0 / mean_tokens));
  if (!(extra < 0x1.0p62)) return std::numeric_limits<std::int64_t>::max();  // NaN: p == 0
  return 1 + static_cast<std::int64_t>(extra);
}

std::variant<GenerationRequest, ApiError> parse_generation_request(
    openai::ApiKind api, std::string_view body, std::string_view served_model,
    std::int64_t default_output_tokens) {
  const Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return bad_request("The request body is not valid JSON.");
  if (!request.is_object()) return bad_request("The request body must be a JSON object.");

  if (auto error = check_model(request, served_model)) return std::move(*error);

  GenerationRequest parsed;
  parsed.api = api;
  auto prompt = api == openai::ApiKind::chat_completions ? chat_prompt_token_ids(request)
                                                         : completion_prompt_token_ids(request);
  if (auto* error = std::get_if<ApiError>(&prompt)) return std::move(*error);
  parsed.prompt_token_ids = std::move(std::get<std::vector<std::int64_t>>(prompt));
  parsed.prompt_tokens = static_cast<std::int64_t>(parsed.prompt_token_ids.size());

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
