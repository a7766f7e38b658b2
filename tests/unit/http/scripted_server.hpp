// A scripted HTTP server on 127.0.0.1 for the client tests: it accepts connections on an ephemeral
// port and runs a script per connection (answer, hang, close, misbehave), on the test's io_context.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace llmpace::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// What the scripted server does with each accepted connection, after reading one request head.
/// It returns when the connection should be closed; `hang` keeps it open until the test ends.
using Script = std::function<asio::awaitable<void>(tcp::socket&, int connection_index)>;

class ScriptedServer {
 public:
  ScriptedServer(asio::io_context& io, Script script)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        script_(std::move(script)) {
    asio::co_spawn(io, accept_loop(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void close() { acceptor_.close(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (int index = 0;; ++index) {
      auto [error, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (error) co_return;
      asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket), index), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket socket, int index) { co_await script_(socket, index); }
  tcp::acceptor acceptor_;
  Script script_;
};

/// Reads one request head (our requests here have no body).
inline asio::awaitable<bool> read_request_head(tcp::socket& socket, std::string& buffer) {
  auto [error, bytes] = co_await asio::async_read_until(
      socket, asio::dynamic_buffer(buffer), "\r\n\r\n", asio::as_tuple(asio::use_awaitable));
  if (error) co_return false;
  buffer.erase(0, bytes);
  co_return true;
}

inline asio::awaitable<void> write(tcp::socket& socket, std::string_view text) {
  co_await asio::async_write(socket, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
}

/// Waits until the peer closes (or the test's io_context stops).
inline asio::awaitable<void> hang(tcp::socket& socket) {
  char byte;
  co_await socket.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
}

enum class Then { hang, close };

/// The most common script: read one request head, write `response`, then hang or close.
inline Script answer_once(std::string response, Then then) {
  return [response = std::move(response), then](tcp::socket& socket, int) -> asio::awaitable<void> {
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    if (!response.empty()) co_await write(socket, response);
    if (then == Then::hang) co_await hang(socket);
  };
}

}  // namespace llmpace::test
