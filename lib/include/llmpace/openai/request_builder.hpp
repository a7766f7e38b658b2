// Request bodies for OpenAI-compatible streaming endpoints.
//
// Chat:        {"model", "messages":[{"role":"user","content":prompt}] (or the request's own
//               messages), "stream":true,
//               "stream_options":{"include_usage":true}, "max_completion_tokens":N,
//               "max_tokens":N, "ignore_eos":true, ...extra}
// Completions: {"model", "prompt", "stream":true, "stream_options":{"include_usage":true},
//               "max_tokens":N, "ignore_eos":true, ...extra}
// Chat sends both max_completion_tokens (current OpenAI name) and max_tokens (what older vLLM and
// llama.cpp read) so the output length is fixed on every server we target.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "llmpace/openai/api_kind.hpp"

namespace llmpace::openai {

/// What one request asks for. It views the strings and messages it names, which must outlive
/// build_request_body(): one is built per request sent, and copies would cost allocations.
struct GenerationRequest {
  std::string_view model;
  std::string_view prompt;
  /// Chat only: the messages to send instead of one user message with `prompt` (when it points to
  /// an array).
  const nlohmann::json* messages = nullptr;
  /// Fixed output length; nullopt lets the server decide (no max_tokens, no ignore_eos).
  std::optional<std::int64_t> max_output_tokens;
  bool ignore_eos = true;  // only sent together with max_output_tokens
  bool stream = true;
  /// Merged last into the body (user's --extra-body style options); may be null.
  nlohmann::json extra_body;
};

/// Serialised JSON body for `api`.
std::string build_request_body(ApiKind api, const GenerationRequest& request);

/// Extracts the first model id from a `GET /v1/models` response body; nullopt if none or the body
/// is not the OpenAI list shape.
std::optional<std::string> first_model_id(std::string_view models_response_body);

}  // namespace llmpace::openai
