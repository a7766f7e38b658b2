// Connection against servers and proxies that bend HTTP: interim 1xx responses, heads that trickle
// in, bodies delimited by the close, bytes nobody asked for, TLS spoken on a plain-HTTP URL. Each
// must give the right answer for the right request, or the right error kind.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <cstdio>

#include "llmpace/http/connection.hpp"
#include "llmpace/http/response_reader.hpp"
#include "llmpace/http/url.hpp"
#include "unit/http/exchange_runner.hpp"
#include "unit/http/scripted_server.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using llmpace::ErrorKind;
using llmpace::SteadyClock;
using llmpace::TimePoint;
using llmpace::http::Connection;
using llmpace::http::ExchangeOutcome;
using llmpace::test::answer_once;
using llmpace::test::options_for;
using llmpace::test::read_request_head;
using llmpace::test::run_exchanges;
using llmpace::test::ScriptedServer;
using llmpace::test::Then;
using llmpace::test::write;
using namespace std::chrono_literals;

namespace {

asio::awaitable<void> pause(tcp::socket& socket, std::chrono::milliseconds duration) {
  asio::steady_timer timer(socket.get_executor(), duration);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

/// A complete chunked 200 response whose body is `text` (in one chunk).
std::string chunked_ok(const std::string& text) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", text.size());
  return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) + "\r\n" +
         text + "\r\n0\r\n\r\n";
}

/// Answers every request on the connection with `before` followed by the n-th answer.
llmpace::test::Script answer_each(std::string before, std::vector<std::string> answers) {
  return [before = std::move(before), answers = std::move(answers)](tcp::socket& socket,
                                                                    int) -> asio::awaitable<void> {
    std::string buffer;
    for (const std::string& answer : answers) {
      if (!co_await read_request_head(socket, buffer)) co_return;
      co_await write(socket, before + answer);
    }
    co_await llmpace::test::hang(socket);
  };
}

}  // namespace

TEST_CASE("interim 1xx responses are skipped: each request gets its own final answer") {
  const std::string interim =
      GENERATE(as<std::string>{}, "HTTP/1.1 100 Continue\r\n\r\n",
               "HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n",
               "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n");
  asio::io_context io;
  ScriptedServer server(io, answer_each(interim, {chunked_ok("first"), chunked_ok("second")}));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto results = run_exchanges(io, connection, 2);
  CHECK(results[0].outcome.ok());
  CHECK(results[0].outcome.http_status == 200);
  CHECK(results[0].body == "first");
  CHECK(results[1].outcome.ok());
  CHECK(results[1].body == "second");  // not the first request's stream left on the connection
}

TEST_CASE("an interim response and the final one in separate reads: first byte is the final's") {
  asio::io_context io;
  ScriptedServer server(io, [](tcp::socket& socket, int) -> asio::awaitable<void> {
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    co_await write(socket, "HTTP/1.1 100 Continue\r\n\r\n");
    co_await pause(socket, 300ms);
    co_await write(socket, chunked_ok("late"));
    co_await llmpace::test::hang(socket);
  });
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  REQUIRE(result.outcome.ok());
  CHECK(result.body == "late");
  CHECK(result.outcome.first_byte - result.outcome.sent >= 250ms);
}

TEST_CASE("101 Switching Protocols is a protocol error, not an answer") {
  asio::io_context io;
  ScriptedServer server(
      io, answer_once("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::protocol);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("101"));
}

TEST_CASE("a head that trickles in byte by byte is not a timeout while bytes keep coming") {
  // 60 ms between bytes, the idle deadline 250 ms, the whole head well over a second.
  const std::string response = chunked_ok("slow but steady");
  const std::size_t head_bytes = response.find("\r\n\r\n") + 4;
  asio::io_context io;
  ScriptedServer server(io, [&](tcp::socket& socket, int) -> asio::awaitable<void> {
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    for (std::size_t i = 0; i < head_bytes; ++i) {
      co_await write(socket, response.substr(i, 1));
      co_await pause(socket, 60ms);
    }
    co_await write(socket, response.substr(head_bytes));
    co_await llmpace::test::hang(socket);
  });
  Connection connection(io.get_executor(), options_for(server.port(), 250ms), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  REQUIRE(result.outcome.ok());
  CHECK(result.body == "slow but steady");
  // TTFB is the first byte of the head, not its end.
  CHECK(result.outcome.first_byte - result.outcome.sent < 500ms);
  CHECK(result.outcome.last_read - result.outcome.first_byte > 1s);
}

TEST_CASE("silence in the middle of the head is a header timeout") {
  asio::io_context io;
  ScriptedServer server(io, answer_once("HTTP/1.1 200 OK\r\nContent-", Then::hang));
  Connection connection(io.get_executor(), options_for(server.port(), 150ms), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::header_timeout);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("0.15 s"));
}

TEST_CASE("a body delimited by the close of the connection is complete") {
  asio::io_context io;
  ScriptedServer server(
      io, answer_once("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\ndata: a\n\n", Then::close));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.ok());
  CHECK(result.body == "data: a\n\n");
  CHECK_FALSE(connection.is_open());
}

TEST_CASE("malformed framing is a protocol error") {
  const std::string response = GENERATE(
      as<std::string>{},
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\ndata\r\n",  // bad chunk size
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
  asio::io_context io;
  ScriptedServer server(io, answer_once(response, Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::protocol);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("malformed HTTP response"));
}

TEST_CASE("bytes sent after a response are never read as the next request's answer") {
  asio::io_context io;
  int connections = 0;
  ScriptedServer server(io, [&](tcp::socket& socket, int) -> asio::awaitable<void> {
    ++connections;
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    // A stray second response right behind the first, answering nothing.
    co_await write(socket, chunked_ok("mine") + chunked_ok("stray"));
    while (co_await read_request_head(socket, buffer)) co_await write(socket, chunked_ok("mine"));
  });
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto results = run_exchanges(io, connection, 2);
  CHECK(results[0].body == "mine");
  CHECK(results[1].outcome.ok());
  CHECK(results[1].body == "mine");
  CHECK(connections == 2);  // the connection holding the stray bytes was not reused
}

TEST_CASE("a TLS server behind a plain-HTTP URL is told apart from garbage") {
  asio::io_context io;
  // What a TLS server answers to a plain HTTP request: an alert record (protocol_version).
  ScriptedServer server(io,
                        answer_once(std::string("\x15\x03\x01\x00\x02\x02\x46", 7), Then::close));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::tls);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("is the URL https://?"));
}

TEST_CASE("Retry-After of a 429 is kept for the report") {
  asio::io_context io;
  ScriptedServer server(io, answer_once("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
                                        "Content-Length: 0\r\n\r\n",
                                        Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.ok());
  CHECK(result.outcome.http_status == 429);
  CHECK(result.outcome.retry_after == "7");
}

TEST_CASE("a status below 100 is malformed, not an answer (found by fuzzing)") {
  llmpace::http::ResponseReader reader;
  std::string body;
  const std::string response = "HTTP/1.1 056 Odd\r\nContent-Length: 2\r\n\r\nhi";
  reader.feed(response, TimePoint{}, [&](std::string_view bytes, TimePoint) { body += bytes; });
  CHECK(reader.done());
  CHECK(reader.malformed());
  CHECK(reader.status() == 0);
  CHECK(body.empty());
  CHECK(reader.error() == "invalid status code 56");
}
