#include "llmpace/engine/server_token_counter.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "blocking_client.hpp"
#include "llmpace/core/error.hpp"

namespace llmpace::engine {
namespace {

using Json = nlohmann::json;
using workload::PromptForm;

Json user_message(std::string_view text) {
  return Json::array({Json{{"role", "user"}, {"content", text}}});
}

Json vllm_body(const std::string& model, std::string_view text, PromptForm form) {
  Json body{{"model", model}};
  if (form == PromptForm::chat) {
    body["messages"] = user_message(text);
    body["add_generation_prompt"] = true;
  } else {
    body["prompt"] = text;
    body["add_special_tokens"] = form == PromptForm::completion;
  }
  return body;
}

Json parse_object(const std::string& body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  return json.is_object() ? json : Json{};
}

}  // namespace

ServerTokenCounter::ServerTokenCounter(const Target& target, std::unique_ptr<BlockingClient> client,
                                       TokenizeFlavour flavour)
    : model_(target.model), client_(std::move(client)), flavour_(flavour) {}

ServerTokenCounter::~ServerTokenCounter() = default;

std::unique_ptr<ServerTokenCounter> ServerTokenCounter::probe(const Target& target,
                                                              ProbeFailure& failure) {
  auto client = std::make_unique<BlockingClient>(target.client, target.tls_context);
  const BlockingResponse vllm = client->exchange(
      "POST", "/tokenize", vllm_body(target.model, "hello world", PromptForm::bare).dump());
  if (!vllm.outcome.ok()) {
    failure.unreachable = true;
    failure.reason =
        fmt::format("cannot reach target {}: {}", client->where(), vllm.outcome.error_message);
    return nullptr;
  }
  if (vllm.outcome.http_status == 200 && parse_object(vllm.body).contains("count")) {
    return std::unique_ptr<ServerTokenCounter>(
        new ServerTokenCounter(target, std::move(client), TokenizeFlavour::vllm));
  }
  failure.reason = fmt::format("{} does not answer POST /tokenize (HTTP {})", client->where(),
                               vllm.outcome.http_status);
  const BlockingResponse llama = client->exchange(
      "POST", "/tokenize", Json{{"content", "hello world"}, {"add_special", false}}.dump());
  if (llama.outcome.ok() && llama.outcome.http_status == 200) {
    const Json body = parse_object(llama.body);
    const auto tokens = body.find("tokens");
    if (tokens != body.end() && tokens->is_array() && !tokens->empty()) {
      return std::unique_ptr<ServerTokenCounter>(
          new ServerTokenCounter(target, std::move(client), TokenizeFlavour::llama_cpp));
    }
  }
  return nullptr;
}

std::int64_t ServerTokenCounter::count(std::string_view text, PromptForm form) {
  std::string key;
  key.reserve(text.size() + 1);
  key.push_back(static_cast<char>('0' + static_cast<int>(form)));
  key.append(text);
  if (const auto found = cache_.find(key); found != cache_.end()) return found->second;
  const std::int64_t tokens = count_uncached(text, form);
  cache_.emplace(std::move(key), tokens);
  return tokens;
}

std::int64_t ServerTokenCounter::count_uncached(std::string_view text, PromptForm form) {
  const auto post = [&](std::string_view path, const Json& body) {
    ++calls_;
    BlockingResponse response = client_->exchange("POST", std::string(path), body.dump());
    if (!response.outcome.ok() || response.outcome.http_status != 200) {
      throw RunError(fmt::format(
          "POST {}{} failed while counting tokens: {}", client_->where(), path,
          response.outcome.ok() ? fmt::format("HTTP {}: {}", response.outcome.http_status,
                                              response.body.substr(0, 200))
                                : response.outcome.error_message));
    }
    Json json = parse_object(response.body);
    if (json.is_null()) {
      throw RunError(fmt::format("POST {}{} did not answer a JSON object", client_->where(), path));
    }
    return json;
  };
  const auto read_count = [&](const Json& json, const char* field) -> std::int64_t {
    const auto found = json.find(field);
    if (found != json.end() && found->is_number_integer()) return found->get<std::int64_t>();
    if (found != json.end() && found->is_array()) return static_cast<std::int64_t>(found->size());
    throw RunError(fmt::format("POST {}/tokenize answered without `{}`", client_->where(), field));
  };

  if (flavour_ == TokenizeFlavour::vllm) {
    return read_count(post("/tokenize", vllm_body(model_, text, form)), "count");
  }
  if (form == PromptForm::chat) {
    const Json templated = post("/apply-template", Json{{"messages", user_message(text)}});
    const auto prompt = templated.find("prompt");
    if (prompt == templated.end() || !prompt->is_string()) {
      throw RunError(
          fmt::format("POST {}/apply-template answered without `prompt`", client_->where()));
    }
    return read_count(
        post("/tokenize",
             Json{{"content", *prompt}, {"add_special", true}, {"parse_special", true}}),
        "tokens");
  }
  return read_count(
      post("/tokenize", Json{{"content", text}, {"add_special", form == PromptForm::completion}}),
      "tokens");
}

std::string ServerTokenCounter::description() const {
  return fmt::format("server /tokenize ({})",
                     flavour_ == TokenizeFlavour::vllm ? "vLLM" : "llama.cpp");
}

}  // namespace llmpace::engine
