// Parsing of the generation requests the simulator serves (POST /v1/chat/completions and
// /v1/completions) into the little the latency and token model needs, and vLLM's error bodies.
//
// Token model: the prompt has one token per whitespace-separated word (chat: the words of every
// message's text content); the output has exactly max_completion_tokens / max_tokens tokens, or
// the server's default when the request sets neither. ignore_eos is accepted and changes nothing,
// because the simulated model never emits EOS.
//
// Pure functions; no I/O; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "llmpace/openai/api_kind.hpp"

namespace llmpace::sim {

/// An error answer in vLLM's shape: {"object":"error","message":...,"type":...,"code":status}.
struct ApiError {
  unsigned status = 400;
  std::string type = "BadRequestError";
  std::string message;
};

ApiError bad_request(std::string message);
ApiError model_not_found(std::string_view model);
ApiError internal_error(std::string message);

/// The JSON body of `error`.
std::string error_body(const ApiError& error);

struct GenerationRequest {
  openai::ApiKind api = openai::ApiKind::chat_completions;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool ignore_eos = false;     // parsed for validation only; see the token model above
};

/// Parses `body`. Wrong JSON or fields give a 400 error; a `model` other than `served_model` gives
/// 404 (a request without `model` is served, as vLLM does).
std::variant<GenerationRequest, ApiError> parse_generation_request(
    openai::ApiKind api, std::string_view body, std::string_view served_model,
    std::int64_t default_output_tokens);

/// Number of whitespace-separated words in `text` (the simulator's token count).
std::int64_t count_words(std::string_view text);

}  // namespace llmpace::sim
