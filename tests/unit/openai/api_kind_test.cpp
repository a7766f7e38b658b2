#include "llmpace/openai/api_kind.hpp"

#include <catch2/catch.hpp>

namespace llmpace::openai {
namespace {

TEST_CASE("ApiKind names and paths", "[openai]") {
  CHECK(to_string(ApiKind::chat_completions) == "chat");
  CHECK(to_string(ApiKind::completions) == "completions");
  CHECK(api_path(ApiKind::chat_completions) == "/v1/chat/completions");
  CHECK(api_path(ApiKind::completions) == "/v1/completions");
}

TEST_CASE("parse_api_kind accepts the usual spellings", "[openai]") {
  for (const char* text : {"chat", "chat_completions", "chat/completions"}) {
    INFO(text);
    CHECK(parse_api_kind(text) == ApiKind::chat_completions);
  }
  CHECK(parse_api_kind("completions") == ApiKind::completions);
  for (const char* text : {"", "Chat", "completion", "embeddings", " chat"}) {
    INFO(text);
    CHECK_FALSE(parse_api_kind(text));
  }
  // Round trip.
  for (ApiKind api : {ApiKind::chat_completions, ApiKind::completions}) {
    CHECK(parse_api_kind(to_string(api)) == api);
  }
}

}  // namespace
}  // namespace llmpace::openai
