#include "llmpace/sim/sim_response.hpp"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

namespace llmpace::sim {
namespace {

// Short, JSON-safe words; a response reads like lorem ipsum and every token is one word.
constexpr std::array<std::string_view, 16> kWords{
    " lorem", " ipsum", " dolor",  " sit",   " amet", " consectetur", " adipiscing", " elit",
    " sed",   " do",    " tempor", " magna", " ut",   " labore",      " et",         " aliqua"};

bool is_chat(openai::ApiKind api) { return api == openai::ApiKind::chat_completions; }

}  // namespace

std::string_view output_word(std::int64_t index) {
  return kWords[static_cast<std::size_t>(index) % kWords.size()];
}

ResponseRenderer::ResponseRenderer(openai::ApiKind api, std::string_view id,
                                   std::int64_t created_unix_s, std::string_view model,
                                   std::int64_t prompt_tokens, std::int64_t completion_tokens,
                                   std::string_view finish_reason)
    : api_(api),
      id_(id),
      model_json_(nlohmann::json(model).dump()),
      created_unix_s_(created_unix_s),
      prompt_tokens_(prompt_tokens),
      completion_tokens_(completion_tokens),
      finish_reason_(finish_reason) {
  chunk_prefix_ = fmt::format(R"({{"id":"{}","object":"{}","created":{},"model":{},"choices":[)",
                              id_, is_chat(api_) ? "chat.completion.chunk" : "text_completion",
                              created_unix_s_, model_json_);
  // A token event: data: {prefix}{"index":0,"text":"WORD","logprobs":null,FINISH}]}\n\n in
  // completions, with "delta":{"content":"WORD"} in place of "text" in chat.
  token_head_ = fmt::format(R"(data: {}{{"index":0,{})", chunk_prefix_,
                            is_chat(api_) ? R"("delta":{"content":")" : R"("text":")");
  const std::string_view after_word =
      is_chat(api_) ? R"("},"logprobs":null,)" : R"(","logprobs":null,)";
  token_tail_ = fmt::format(R"({}"finish_reason":null}}]}}{})", after_word, "\n\n");
  last_token_tail_ = fmt::format(R"({}"finish_reason":"{}","stop_reason":null}}]}}{})", after_word,
                                 finish_reason_, "\n\n");
}

std::string ResponseRenderer::role_event() const {
  return fmt::format(
      R"(data: {}{{"index":0,"delta":{{"role":"assistant","content":""}},"logprobs":null,)"
      R"("finish_reason":null}}]}}{})",
      chunk_prefix_, "\n\n");
}

std::string ResponseRenderer::token_event(std::int64_t index) const {
  std::string event;
  append_token_event(event, index);
  return event;
}

void ResponseRenderer::append_token_event(std::string& out, std::int64_t index) const {
  const bool last = index + 1 >= completion_tokens_;
  out += token_head_;
  out += output_word(index);
  out += last ? last_token_tail_ : token_tail_;
}

std::string ResponseRenderer::usage_json() const {
  return fmt::format(R"({{"prompt_tokens":{},"total_tokens":{},"completion_tokens":{}}})",
                     prompt_tokens_, prompt_tokens_ + completion_tokens_, completion_tokens_);
}

std::string ResponseRenderer::usage_event() const {
  return fmt::format(R"(data: {}],"usage":{}}}{})", chunk_prefix_, usage_json(), "\n\n");
}

std::string ResponseRenderer::full_body() const {
  std::string text;
  for (std::int64_t i = 0; i < completion_tokens_; ++i) text += output_word(i);
  if (is_chat(api_)) {
    return fmt::format(
        R"({{"id":"{}","object":"chat.completion","created":{},"model":{},"choices":[{{"index":0,)"
        R"("message":{{"role":"assistant","content":"{}","tool_calls":[]}},"logprobs":null,)"
        R"("finish_reason":"{}","stop_reason":null}}],"usage":{},"prompt_logprobs":null}})",
        id_, created_unix_s_, model_json_, text, finish_reason_, usage_json());
  }
  return fmt::format(
      R"({{"id":"{}","object":"text_completion","created":{},"model":{},"choices":[{{"index":0,)"
      R"("text":"{}","logprobs":null,"finish_reason":"{}","stop_reason":null,)"
      R"("prompt_logprobs":null}}],"usage":{}}})",
      id_, created_unix_s_, model_json_, text, finish_reason_, usage_json());
}

std::string models_body(std::string_view model, std::int64_t max_model_len,
                        std::int64_t created_unix_s) {
  const nlohmann::json card{{"id", model},
                            {"object", "model"},
                            {"created", created_unix_s},
                            {"owned_by", "llmpace"},
                            {"root", model},
                            {"parent", nullptr},
                            {"max_model_len", max_model_len}};
  const nlohmann::json body{{"object", "list"}, {"data", nlohmann::json::array({card})}};
  return body.dump();
}

}  // namespace llmpace::sim
