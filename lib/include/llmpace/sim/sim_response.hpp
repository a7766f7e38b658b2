// The bodies the simulator writes, shaped like vLLM's so that clients parse them the same way.
//
// Streaming chat: a role chunk (delta {"role":"assistant","content":""}), one chunk per token
// (delta {"content":" word"}), the finish_reason on the last token chunk, an optional usage
// chunk with "choices":[], then "data: [DONE]". Streaming completions: the same without the role
// chunk, with choices[].text and "object":"text_completion". Each event is "data: {json}\n\n".
//
// Pure; an instance is immutable after construction and safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "llmpace/openai/api_kind.hpp"

namespace llmpace::sim {

/// Output token `index` of every response: a word with a leading space, from a fixed list.
std::string_view output_word(std::int64_t index);

class ResponseRenderer {
 public:
  /// `id` like "chatcmpl-..." or "cmpl-..." (JSON-safe characters only); `created_unix_s` is the
  /// "created" field; `finish_reason` goes on the last token ("length" or "stop").
  ResponseRenderer(openai::ApiKind api, std::string_view id, std::int64_t created_unix_s,
                   std::string_view model, std::int64_t prompt_tokens,
                   std::int64_t completion_tokens, std::string_view finish_reason = "length");

  static constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

  /// Chat only: the first event of a stream.
  [[nodiscard]] std::string role_event() const;
  /// The event of output token `index` (0-based); the last one carries finish_reason.
  [[nodiscard]] std::string token_event(std::int64_t index) const;
  /// Appends token_event(index) to `out`: the streaming hot path, which reuses one buffer and so
  /// allocates nothing once it has grown (the event is three precomputed pieces and a word).
  void append_token_event(std::string& out, std::int64_t index) const;
  /// The usage event (stream_options.include_usage).
  [[nodiscard]] std::string usage_event() const;
  /// The whole non-streaming response body.
  [[nodiscard]] std::string full_body() const;

 private:
  [[nodiscard]] std::string usage_json() const;

  openai::ApiKind api_;
  std::string chunk_prefix_;  // {"id":..,"object":..,"created":..,"model":..,"choices":[
  std::string id_;
  std::string model_json_;  // the model name as a JSON string literal
  std::int64_t created_unix_s_;
  std::int64_t prompt_tokens_;
  std::int64_t completion_tokens_;
  std::string finish_reason_;
  // token_event(i) = token_head_ + output_word(i) + (last ? last_token_tail_ : token_tail_).
  std::string token_head_;
  std::string token_tail_;
  std::string last_token_tail_;
};

/// GET /v1/models: {"object":"list","data":[{"id":model,"object":"model",...,"max_model_len"}]}.
std::string models_body(std::string_view model, std::int64_t max_model_len,
                        std::int64_t created_unix_s);

}  // namespace llmpace::sim
