// ServerTokenCounter against fake servers on 127.0.0.1: llama.cpp's /tokenize and /apply-template
// shapes (the simulator, in the integration tests, speaks vLLM's), and a server without either.
#include "llmpace/engine/server_token_counter.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "llmpace/core/error.hpp"
#include "llmpace/http/url.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Json = nlohmann::json;
using llmpace::workload::PromptForm;

namespace {

using Handler = std::function<std::pair<int, std::string>(const std::string& path, const Json&)>;

/// A blocking HTTP/1.1 server on its own thread: one keep-alive connection at a time, each
/// request answered by `handler`. Stops when destroyed.
class FakeServer {
 public:
  explicit FakeServer(Handler handler)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)),
        thread_([this] { serve(); }) {}
  ~FakeServer() {
    // A blocking accept() is not woken by close() from another thread: connect once instead.
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  void serve() {
    for (;;) {
      boost::system::error_code error;
      tcp::socket socket(io_);
      acceptor_.accept(socket, error);
      if (error || stopping_) return;
      beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> request;
        http::read(socket, buffer, request, error);
        if (error) break;
        const auto [status, body] =
            handler_(std::string(request.target()), Json::parse(request.body(), nullptr, false));
        http::response<http::string_body> response{static_cast<http::status>(status), 11};
        response.set(http::field::content_type, "application/json");
        response.body() = body;
        response.prepare_payload();
        http::write(socket, response, error);
        if (error) break;
      }
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::int64_t words(const std::string& text) {
  std::istringstream stream(text);
  std::int64_t count = 0;
  for (std::string word; stream >> word;) ++count;
  return count;
}

llmpace::engine::Target target_at(const std::string& url) {
  llmpace::engine::Target target;
  target.client.base_url = llmpace::http::parse_url(url);
  target.model = "m";
  return target;
}

/// llama.cpp's server: /tokenize reads `content` (a vLLM-shaped body has none: no tokens), adds
/// BOS with add_special; /apply-template wraps the messages in Mistral's [INST] template.
std::pair<int, std::string> llama_cpp(const std::string& path, const Json& body) {
  if (path == "/tokenize") {
    const std::string content = body.value("content", "");
    Json tokens = Json::array();
    for (std::int64_t i = 0; i < words(content) + (body.value("add_special", false) ? 1 : 0); ++i) {
      tokens.push_back(i);
    }
    return {200, Json{{"tokens", tokens}}.dump()};
  }
  if (path == "/apply-template") {
    const std::string text = body["messages"][0]["content"];
    return {200, Json{{"prompt", "[INST] " + text + " [/INST]"}}.dump()};
  }
  return {404, R"({"error":"not found"})"};
}

}  // namespace

TEST_CASE("server tokenizer: llama.cpp's shapes are found and counted in every form") {
  FakeServer server(llama_cpp);
  llmpace::engine::ServerTokenCounter::ProbeFailure failure;
  auto counter = llmpace::engine::ServerTokenCounter::probe(target_at(server.url()), failure);
  REQUIRE(counter);
  CHECK(counter->flavour() == llmpace::engine::TokenizeFlavour::llama_cpp);
  CHECK(counter->description() == "server /tokenize (llama.cpp)");
  CHECK(counter->count("one two three", PromptForm::bare) == 3);
  CHECK(counter->count("one two three", PromptForm::completion) == 4);  // BOS
  CHECK(counter->count("one two three", PromptForm::chat) == 6);        // BOS, [INST], [/INST]
  const auto calls = counter->calls();
  CHECK(counter->count("one two three", PromptForm::chat) == 6);
  CHECK(counter->calls() == calls);  // cached
}

TEST_CASE("server tokenizer: a server without /tokenize says so and an absent one too") {
  llmpace::engine::ServerTokenCounter::ProbeFailure failure;
  {
    FakeServer server([](const std::string&, const Json&) {
      return std::pair<int, std::string>{404, "{}"};
    });
    CHECK_FALSE(llmpace::engine::ServerTokenCounter::probe(target_at(server.url()), failure));
    CHECK_FALSE(failure.unreachable);
    CHECK_THAT(failure.reason, Catch::Contains("does not answer POST /tokenize (HTTP 404)"));
  }
  failure = {};
  // A port where nothing listens: bind one, note it, and let it go.
  std::string free_url;
  {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    free_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }
  CHECK_FALSE(llmpace::engine::ServerTokenCounter::probe(target_at(free_url), failure));
  CHECK(failure.unreachable);
  CHECK_THAT(failure.reason, Catch::Contains("cannot reach target"));
}

TEST_CASE("server tokenizer: a failed count mid-calibration is a RunError naming the call") {
  int calls = 0;
  FakeServer server([&calls](const std::string& path, const Json& body) {
    if (++calls > 2) return std::pair<int, std::string>{500, "boom"};
    return llama_cpp(path, body);
  });
  llmpace::engine::ServerTokenCounter::ProbeFailure failure;
  auto counter = llmpace::engine::ServerTokenCounter::probe(target_at(server.url()), failure);
  REQUIRE(counter);
  CHECK_THROWS_AS(counter->count("a b", PromptForm::bare), llmpace::RunError);
  CHECK_THROWS_WITH(counter->count("c d", PromptForm::bare), Catch::Contains("HTTP 500: boom"));
}
