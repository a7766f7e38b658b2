// A server on 127.0.0.1 that answers llmpace's streaming requests well or badly, on purpose, for
// the misbehaving-server catalogue (catalogue_test.cpp).
//
// It reads each request (head and Content-Length body) and takes the request's number from its
// X-Request-Id ("llmpace-<nonce>-<n>"): even numbers get a good stream of kGoodTokens one-token
// chunks with usage, odd numbers the misbehaviour under test. A retried request keeps its id, so
// it misbehaves again, and the outcome of every request is known in advance.
//
// Thread affinity: the server runs its own io_context on a thread of its own, from construction
// to destruction; the behaviour runs on that thread.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace llmpace::catalogue {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline constexpr int kGoodTokens = 8;
inline constexpr int kPromptTokens = 16;

struct Request {
  std::uint64_t number = 0;  // n of X-Request-Id "llmpace-<nonce>-<n>"
  std::string head;
  std::string body;
};

/// What a misbehaving answer does next with the connection.
enum class Then { keep_open, close, hang };

/// Writes the misbehaving answer to `request`.
using Behaviour = std::function<asio::awaitable<Then>(tcp::socket&, const Request&)>;

inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

inline asio::awaitable<void> send(tcp::socket& socket, std::string_view bytes) {
  co_await asio::async_write(socket, asio::buffer(bytes), kUseTuple);
}

inline asio::awaitable<void> pause(tcp::socket& socket, std::chrono::milliseconds duration) {
  asio::steady_timer timer(socket.get_executor(), duration);
  co_await timer.async_wait(kUseTuple);
}

/// Ends the connection with a TCP reset (RST) instead of a clean close (FIN).
inline void reset(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

/// One SSE event per line of `data`, each ended by `line_end` twice.
inline std::string sse_event(std::string_view data, std::string_view line_end = "\n") {
  return "data: " + std::string(data) + std::string(line_end) + std::string(line_end);
}

inline std::string content_chunk(std::string_view text = "t") {
  return R"({"choices":[{"index":0,"delta":{"content":")" + std::string(text) + R"("}}]})";
}

inline std::string usage_chunk(std::string_view counts) {
  return R"({"choices":[],"usage":{)" + std::string(counts) + "}}";
}

inline std::string good_usage() {
  return usage_chunk(R"("prompt_tokens":16,"completion_tokens":8,"total_tokens":24)");
}

/// The body of a good chat stream: role chunk, `tokens` content chunks, finish, usage, [DONE].
inline std::string stream_body(int tokens = kGoodTokens, const std::string& usage = good_usage(),
                               std::string_view line_end = "\n") {
  std::string body =
      sse_event(R"({"choices":[{"index":0,"delta":{"role":"assistant"}}]})", line_end);
  for (int i = 0; i < tokens; ++i) body += sse_event(content_chunk(), line_end);
  body += sse_event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})", line_end);
  if (!usage.empty()) body += sse_event(usage, line_end);
  return body + sse_event("[DONE]", line_end);
}

inline std::string hex(std::size_t value) {
  char digits[20];
  std::snprintf(digits, sizeof digits, "%zx", value);
  return digits;
}

/// `body` as one chunk of chunked encoding (nothing for an empty body).
inline std::string chunk(std::string_view body) {
  if (body.empty()) return {};
  return hex(body.size()) + "\r\n" + std::string(body) + "\r\n";
}

inline constexpr std::string_view kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/// A whole chunked 200 streaming response with `body`.
inline std::string stream_response(std::string_view body) {
  return std::string(kStreamHead) + chunk(body) + std::string(kLastChunk);
}

/// A complete response with a Content-Length body.
inline std::string fixed_response(std::string_view status_line, std::string_view headers,
                                  std::string_view body) {
  return std::string(status_line) + "\r\n" + std::string(headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class MisbehavingServer {
 public:
  explicit MisbehavingServer(Behaviour misbehaviour)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        misbehaviour_(std::move(misbehaviour)) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~MisbehavingServer() {
    io_.stop();
    thread_.join();
  }
  MisbehavingServer(const MisbehavingServer&) = delete;
  MisbehavingServer& operator=(const MisbehavingServer&) = delete;

  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(kUseTuple);
      if (error) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    std::string buffer;
    for (;;) {
      Request request;
      if (!co_await read_request(socket, buffer, request)) co_return;
      Then then = Then::keep_open;
      if (request.number % 2 == 0) {
        co_await send(socket, stream_response(stream_body()));
      } else {
        then = co_await misbehaviour_(socket, request);
      }
      if (then == Then::close) {
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        co_return;
      }
      if (then == Then::hang) {
        char byte;
        co_await socket.async_read_some(asio::buffer(&byte, 1), kUseTuple);
        co_return;
      }
      if (!socket.is_open()) co_return;
    }
  }

  static asio::awaitable<bool> read_request(tcp::socket& socket, std::string& buffer,
                                            Request& request) {
    auto [error, head_bytes] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                               "\r\n\r\n", kUseTuple);
    if (error) co_return false;
    request.head = buffer.substr(0, head_bytes);
    buffer.erase(0, head_bytes);
    const std::size_t body_bytes = header_number(request.head, "content-length: ");
    if (buffer.size() < body_bytes) {
      auto [body_error, read] =
          co_await asio::async_read(socket, asio::dynamic_buffer(buffer),
                                    asio::transfer_exactly(body_bytes - buffer.size()), kUseTuple);
      if (body_error) co_return false;
    }
    request.body = buffer.substr(0, body_bytes);
    buffer.erase(0, body_bytes);
    request.number = request_number(request.head);
    co_return true;
  }

  /// The decimal number after `name` (lower case, with ": ") in `head`; 0 when absent.
  static std::size_t header_number(const std::string& head, std::string_view name) {
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t at = lower.find(name);
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + name.size()));
  }

  static std::uint64_t request_number(const std::string& head) {
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t at = lower.find("x-request-id: ");
    if (at == std::string::npos) return 0;
    const std::size_t end = head.find("\r\n", at);
    const std::size_t dash = head.rfind('-', end);
    return std::stoull(head.substr(dash + 1, end - dash - 1));
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  Behaviour misbehaviour_;
  std::thread thread_;
};

}  // namespace llmpace::catalogue
