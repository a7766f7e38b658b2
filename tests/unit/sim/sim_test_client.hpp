// A small synchronous HTTP(S) client for the simulator tests: one keep-alive connection, requests
// in sequence, and for chunked (SSE) responses every event with the time its last byte arrived.
// Every operation has a 10 s deadline so a broken server fails a test instead of hanging it.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmpace/core/time.hpp"

namespace llmpace::sim::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct SseEvent {
  std::string data;  // after "data: "
  TimePoint received;
};

struct TestResponse {
  unsigned status = 0;
  std::string content_type;
  bool chunked = false;
  bool keep_alive = false;
  std::string body;              // the whole body, chunked or not
  std::vector<SseEvent> events;  // chunked responses only
  TimePoint sent;                // when the request's last byte was written
};

class TestClient {
 public:
  static constexpr auto kTimeout = std::chrono::seconds{10};

  explicit TestClient(std::uint16_t port, bool tls = false) {
    asio::ip::tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
    if (tls) {
      tls_context_.emplace(asio::ssl::context::tls_client);
      tls_context_->set_verify_mode(asio::ssl::verify_none);  // a throwaway self-signed cert
      tls_stream_.emplace(io_, *tls_context_);
      beast::get_lowest_layer(*tls_stream_).expires_after(kTimeout);
      beast::get_lowest_layer(*tls_stream_).connect(endpoint);
      tls_stream_->handshake(asio::ssl::stream_base::client);
    } else {
      plain_stream_.emplace(io_);
      plain_stream_->expires_after(kTimeout);
      plain_stream_->connect(endpoint);
      plain_stream_->socket().set_option(asio::ip::tcp::no_delay(true));
    }
  }

  TestResponse get(std::string_view target) { return send(http::verb::get, target, ""); }
  TestResponse post(std::string_view target, std::string body) {
    return send(http::verb::post, target, std::move(body));
  }

  TestResponse send(http::verb method, std::string_view target, std::string body,
                    bool keep_alive = true, std::string_view request_id = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!request_id.empty()) request.set("X-Request-Id", request_id);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.keep_alive(keep_alive);
    request.body() = std::move(body);
    request.prepare_payload();
    return tls_stream_ ? exchange(*tls_stream_, request) : exchange(*plain_stream_, request);
  }

  /// Sends a request and reads only the response header; the body stays unread.
  unsigned send_and_read_header(std::string_view target, std::string body) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.body() = std::move(body);
    request.prepare_payload();
    header_parser_.emplace();
    return tls_stream_ ? write_read_header(*tls_stream_, request)
                       : write_read_header(*plain_stream_, request);
  }

  /// After send_and_read_header: reads the rest; the error that ended it, if any.
  beast::error_code read_rest() {
    beast::error_code error;
    if (tls_stream_) {
      http::read(*tls_stream_, buffer_, *header_parser_, error);
    } else {
      http::read(*plain_stream_, buffer_, *header_parser_, error);
    }
    return error;
  }

 private:
  template <class Stream>
  unsigned write_read_header(Stream& stream, http::request<http::string_body>& request) {
    beast::get_lowest_layer(stream).expires_after(kTimeout);
    http::write(stream, request);
    http::read_header(stream, buffer_, *header_parser_);
    return header_parser_->get().result_int();
  }

  template <class Stream>
  TestResponse exchange(Stream& stream, http::request<http::string_body>& request) {
    TestResponse response;
    beast::get_lowest_layer(stream).expires_after(kTimeout);
    http::write(stream, request);
    response.sent = SteadyClock::now();

    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    std::string pending;
    // Called as each piece of chunk body is parsed, i.e. right after the read that brought it.
    auto on_chunk_body = [&](std::uint64_t, std::string_view data, beast::error_code&) {
      const TimePoint now = SteadyClock::now();
      response.body.append(data);
      pending.append(data);
      for (auto end = pending.find("\n\n"); end != std::string::npos; end = pending.find("\n\n")) {
        std::string event = pending.substr(0, end);
        if (event.rfind("data: ", 0) == 0) event.erase(0, 6);
        response.events.push_back({std::move(event), now});
        pending.erase(0, end + 2);
      }
      return data.size();
    };
    parser.on_chunk_body(on_chunk_body);
    http::read(stream, buffer_, parser);

    const auto& message = parser.get();
    response.status = message.result_int();
    response.content_type = std::string{message[http::field::content_type]};
    response.chunked = message.chunked();
    response.keep_alive = message.keep_alive();
    if (!response.chunked) response.body = message.body();
    return response;
  }

  asio::io_context io_;
  std::optional<asio::ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> header_parser_;
};

}  // namespace llmpace::sim::test
