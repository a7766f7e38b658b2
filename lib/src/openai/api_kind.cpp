#include "llmpace/openai/api_kind.hpp"

namespace llmpace::openai {

std::string_view to_string(ApiKind api) {
  switch (api) {
    case ApiKind::chat_completions:
      return "chat";
    case ApiKind::completions:
      return "completions";
  }
  return "unknown";
}

std::optional<ApiKind> parse_api_kind(std::string_view text) {
  if (text == "chat" || text == "chat_completions" || text == "chat/completions") {
    return ApiKind::chat_completions;
  }
  if (text == "completions") return ApiKind::completions;
  return std::nullopt;
}

std::string_view api_path(ApiKind api) {
  switch (api) {
    case ApiKind::chat_completions:
      return "/v1/chat/completions";
    case ApiKind::completions:
      return "/v1/completions";
  }
  return "/v1/chat/completions";
}

}  // namespace llmpace::openai
