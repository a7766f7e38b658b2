// The bytes of a request as llmpace sends it: the request line, its own headers, --header entries
// replacing them by name, a Content-Length that always matches the body.
#include "llmpace/http/request_text.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "llmpace/http/url.hpp"

using llmpace::http::ClientOptions;
using llmpace::http::HttpRequest;
using llmpace::http::parse_url;
using llmpace::http::render_request;

namespace {

HttpRequest chat_request() {
  return HttpRequest{.method = "POST",
                     .target = "/v1/chat/completions",
                     .body = R"({"stream":true})",
                     .accept = "text/event-stream",
                     .request_id = "llmpace-1"};
}

}  // namespace

TEST_CASE("a request is rendered with its headers in order and the body after a blank line") {
  ClientOptions options;
  options.base_url = parse_url("http://127.0.0.1:8000/prefix");
  options.user_agent = "tester/1";
  std::string text = "left over from an earlier request";
  render_request(options, chat_request(), text);
  CHECK(text ==
        "POST /prefix/v1/chat/completions HTTP/1.1\r\n"
        "Host: 127.0.0.1:8000\r\n"
        "User-Agent: tester/1\r\n"
        "Accept: text/event-stream\r\n"
        "X-Request-Id: llmpace-1\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 15\r\n"
        "\r\n"
        R"({"stream":true})");
}

TEST_CASE("a --header replaces llmpace's own header of that name, Content-Length excepted") {
  ClientOptions options;
  options.base_url = parse_url("http://localhost:8000");
  options.api_key = "sk-secret";
  options.extra_headers = {{"user-agent", "proxy-check"},
                           {"X-Tenant", "a"},
                           {"Content-Length", "999"},
                           {"x-tenant", "b"}};
  std::string text;
  render_request(options, chat_request(), text);
  CHECK(text.find("user-agent: proxy-check\r\n") != std::string::npos);
  CHECK(text.find("llmpace/") == std::string::npos);
  CHECK(text.find("Authorization: Bearer sk-secret\r\n") != std::string::npos);
  CHECK(text.find("x-tenant: b\r\n") != std::string::npos);
  CHECK(text.find("X-Tenant") == std::string::npos);
  CHECK(text.find("999") == std::string::npos);
  CHECK(text.find("Content-Length: 15\r\n") != std::string::npos);
  // The default user agent names llmpace when none is set.
  options.extra_headers.clear();
  render_request(options, chat_request(), text);
  CHECK(text.find("\r\nUser-Agent: llmpace/") != std::string::npos);
}

TEST_CASE("a GET without a body has no Content-Length nor Content-Type") {
  ClientOptions options;
  options.base_url = parse_url("http://localhost:8000");
  HttpRequest models;
  models.method = "GET";
  models.target = "/v1/models";
  std::string text;
  render_request(options, models, text);
  CHECK(text.rfind("GET /v1/models HTTP/1.1\r\n", 0) == 0);
  CHECK(text.find("Content-") == std::string::npos);
  CHECK(text.size() >= 4);
  CHECK(text.substr(text.size() - 4) == "\r\n\r\n");
}

TEST_CASE("more --header entries than fit inline are all sent, and still replace by name") {
  ClientOptions options;
  options.base_url = parse_url("http://localhost:8000");
  for (int i = 0; i < 40; ++i) {
    // The last ten replace X-H20..X-H29, which no longer fit inline.
    options.extra_headers.push_back(
        {"X-H" + std::to_string(i < 30 ? i : i - 10), std::to_string(i)});
  }
  std::string text;
  render_request(options, chat_request(), text);
  for (int i = 0; i < 30; ++i) {
    const int last = i >= 20 ? i + 10 : i;
    INFO("X-H" << i);
    CHECK(text.find("X-H" + std::to_string(i) + ": " + std::to_string(last) + "\r\n") !=
          std::string::npos);
  }
  CHECK(text.find("X-H29: 29\r\n") == std::string::npos);
}
