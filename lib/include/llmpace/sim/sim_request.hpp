// Parsing of the generation requests the simulator serves (POST /v1/chat/completions and
// /v1/completions) into the little the latency and token model needs, vLLM's error bodies, and
// the natural (EOS) output length of a request.
//
// Token model: the prompt's tokens are those of sim_tokenizer.hpp, one per whitespace-separated
// word (chat: the words of every message's text content, in order; completions: a string, a list
// of one string, or a list of token ids taken as they are). The output has at most
// max_completion_tokens / max_tokens tokens, or the server's default when the request sets
// neither. With ignore_eos it has exactly that many (finish_reason "length"). Without ignore_eos,
// and when the server is configured with a mean natural output length, the model "emits EOS"
// after natural_output_tokens(seed, request key, mean) tokens: if that is below the maximum the
// output stops there with finish_reason "stop", otherwise it runs to the maximum ("length").
// Without a configured mean, ignore_eos changes nothing.
//
// Pure functions; no I/O; safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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
  std::int64_t prompt_tokens = 0;  // == prompt_token_ids.size()
  std::vector<std::int64_t> prompt_token_ids;
  std::int64_t output_tokens = 0;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool ignore_eos = false;     // true: no natural stop; see the token model above
};

/// Parses `body`. Wrong JSON or fields (including a prompt token id that is not in
/// [0, kMaxTokenId]) give a 400 error; a `model` other than `served_model` gives 404 (a request
/// without `model` is served, as vLLM does).
std::variant<GenerationRequest, ApiError> parse_generation_request(
    openai::ApiKind api, std::string_view body, std::string_view served_model,
    std::int64_t default_output_tokens);

/// Number of whitespace-separated words in `text` (the simulator's token count).
std::int64_t count_words(std::string_view text);

/// The simulator's chat template, shaped like Llama 3's so that a chat prompt costs more tokens
/// than its text (as on a real server): BOS, then per message a header (start, the role's words,
/// end), the content and an end-of-turn token, then the assistant header as generation prompt.
/// A single user message of n words is n + 8 tokens. The special tokens are words of the token
/// model (with ordinary hashed ids), so a prompt that spells them tokenizes alike.
inline constexpr std::string_view kBosToken = "<|begin_of_text|>";
inline constexpr std::string_view kHeaderStartToken = "<|start_header_id|>";
inline constexpr std::string_view kHeaderEndToken = "<|end_header_id|>";
inline constexpr std::string_view kEndOfTurnToken = "<|eot_id|>";

struct ChatTemplateOptions {
  bool add_generation_prompt = true;    // the assistant header at the end
  bool continue_final_message = false;  // leave the last message open (no end of turn)
  bool add_special_tokens = false;      // a second BOS before the template's, as vLLM does
};

/// The prompt token ids of a chat request object (its `messages`) under the template above; the
/// text of a message is its content (a string, null, or an array of parts of which only
/// {"type":"text"} count). Shared by chat completions and POST /tokenize, so that both count
/// alike. A missing or empty `messages` or a malformed message gives 400.
std::variant<std::vector<std::int64_t>, ApiError> chat_prompt_token_ids(
    const nlohmann::json& request, ChatTemplateOptions options = {});

/// The prompt token ids of a completions text prompt: BOS (with add_special_tokens, as vLLM
/// always does for generation) and one id per word.
std::vector<std::int64_t> completion_text_token_ids(std::string_view text,
                                                    bool add_special_tokens = true);

/// A 404 if `request` (an object) names a `model` other than `served_model`, a 400 if `model` is
/// not a string; nothing if it matches or is absent or null.
std::optional<ApiError> check_model(const nlohmann::json& request, std::string_view served_model);

/// Reads the optional boolean field `name` of `object` into `out` (absent or null: unchanged);
/// a 400 error if it is not a boolean.
std::optional<ApiError> read_bool(const nlohmann::json& object, const char* name, bool& out);

/// The natural output length of request `request_key` on a server seeded with `seed`: where the
/// simulated model would emit EOS. Geometric on {1, 2, ...} with mean `mean_tokens` (a constant
/// EOS probability of 1 / mean_tokens after every token; the discrete exponential), drawn by
/// inversion from splitmix64(splitmix64(seed) ^ request_key): deterministic, >= 1. mean_tokens
/// <= 1 or NaN gives 1; an infinite mean gives INT64_MAX (never stops).
std::int64_t natural_output_tokens(std::uint64_t seed, std::uint64_t request_key,
                                   double mean_tokens);

}  // namespace llmpace::sim
