// Which OpenAI-compatible endpoint a benchmark drives.
#pragma once

#include <optional>
#include <string_view>

namespace llmpace::openai {

enum class ApiKind {
  chat_completions,  // POST /v1/chat/completions, text in choices[].delta.content
  completions,       // POST /v1/completions, text in choices[].text
};

/// "chat" or "completions".
std::string_view to_string(ApiKind api);
/// Parses "chat" / "chat_completions" / "chat/completions" / "completions"; nullopt otherwise.
std::optional<ApiKind> parse_api_kind(std::string_view text);
/// The request path below the base URL's path prefix: "/v1/chat/completions" or "/v1/completions".
std::string_view api_path(ApiKind api);

}  // namespace llmpace::openai
