// Connection against scripted servers on 127.0.0.1 that misbehave on purpose: every failure must
// come back as the right ErrorKind, promptly, without an exception.
#include "llmpace/http/connection.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

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
using llmpace::test::hang;
using llmpace::test::options_for;
using llmpace::test::read_request_head;
using llmpace::test::run_exchanges;
using llmpace::test::ScriptedServer;
using llmpace::test::Then;
using llmpace::test::write;
using namespace std::chrono_literals;

namespace {

const std::string kHeadersAndOneChunk =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\ndata: a\r\n";

const std::string kChunkedOk =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    "7\r\ndata: a\r\n2\r\n\n\n\r\n0\r\n\r\n";

}  // namespace

TEST_CASE("a chunked stream is delivered decoded, and the connection is kept alive") {
  asio::io_context io;
  ScriptedServer server(io, [](tcp::socket& socket, int) -> asio::awaitable<void> {
    std::string buffer;
    while (co_await read_request_head(socket, buffer)) co_await write(socket, kChunkedOk);
  });
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto results = run_exchanges(io, connection, 2);
  for (const auto& result : results) {
    CHECK(result.outcome.ok());
    CHECK(result.outcome.http_status == 200);
    CHECK(result.body == "data: a\n\n");
    CHECK(result.outcome.sent <= result.outcome.first_byte);
    CHECK(result.outcome.first_byte <= result.outcome.last_read);
  }
  CHECK(connection.is_open());
}

TEST_CASE("a refused connection is a connect error") {
  asio::io_context io;
  std::uint16_t port;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  Connection connection(io.get_executor(), options_for(port), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::connect);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("cannot connect"));
}

TEST_CASE("no response headers before the deadline is a header timeout") {
  asio::io_context io;
  ScriptedServer server(io, answer_once("", Then::hang));
  auto options = options_for(server.port());
  options.timeouts.idle = 100ms;
  Connection connection(io.get_executor(), options, nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::header_timeout);
  CHECK_FALSE(connection.is_open());
}

TEST_CASE("silence between chunks longer than the idle deadline is an idle timeout") {
  asio::io_context io;
  ScriptedServer server(io, answer_once(kHeadersAndOneChunk, Then::hang));
  auto options = options_for(server.port());
  options.timeouts.idle = 100ms;
  Connection connection(io.get_executor(), options, nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::idle_timeout);
  CHECK(result.outcome.http_status == 200);
  CHECK(result.body == "data: a");  // what arrived before the silence was delivered
}

TEST_CASE("the whole-request deadline wins when it comes first") {
  asio::io_context io;
  ScriptedServer server(io, answer_once("", Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1, 100ms).front();
  CHECK(result.outcome.error == ErrorKind::request_timeout);
}

TEST_CASE("a server closing mid-body is connection_closed") {
  asio::io_context io;
  ScriptedServer server(
      io, answer_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", Then::close));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::connection_closed);
  CHECK(result.body == "partial");
}

TEST_CASE("garbage instead of HTTP is a protocol error") {
  asio::io_context io;
  ScriptedServer server(io, answer_once("SSH-2.0-OpenSSH_9.2\r\n\r\n", Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.error == ErrorKind::protocol);
}

TEST_CASE("a non-2xx status is reported with its body, not as a transport error") {
  asio::io_context io;
  ScriptedServer server(
      io,
      answer_once("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy", Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.ok());
  CHECK(result.outcome.http_status == 503);
  CHECK(result.body == "busy");
}

TEST_CASE("a keep-alive connection closed by the server while idle is retried transparently") {
  asio::io_context io;
  int connections_served = 0;
  ScriptedServer server(io, [&](tcp::socket& socket, int) -> asio::awaitable<void> {
    ++connections_served;
    std::string buffer;
    // Answers one request as keep-alive, then closes: the client finds out on its next use.
    if (co_await read_request_head(socket, buffer)) co_await write(socket, kChunkedOk);
  });
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto results = run_exchanges(io, connection, 3);
  for (const auto& result : results) {
    CHECK(result.outcome.ok());
    CHECK(result.body == "data: a\n\n");
  }
  CHECK(connections_served == 3);
}

TEST_CASE("cancel() ends an exchange in flight as cancelled, not as an error") {
  asio::io_context io;
  ScriptedServer server(io, answer_once(kHeadersAndOneChunk, Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  std::optional<ExchangeOutcome> outcome;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // The first body bytes prove the exchange is mid-stream: cancel right there, as a
        // run's stop does.
        const llmpace::http::HttpRequest request{.method = "GET", .target = "/x", .body = {}};
        const Connection::BodyHandler on_body = [&](int, std::string_view, TimePoint) {
          connection.cancel();
        };
        const TimePoint deadline = SteadyClock::now() + 5s;
        outcome = co_await connection.async_exchange(request, on_body, deadline);
        io.stop();
      },
      asio::detached);
  io.run_for(10s);
  REQUIRE(outcome);
  CHECK(outcome->cancelled);
  CHECK(outcome->error == ErrorKind::none);
  CHECK_FALSE(outcome->ok());
  CHECK_FALSE(connection.is_open());
}

TEST_CASE("bodies far beyond Beast's default 8 MB limit stream through") {
  constexpr std::size_t kBodyBytes = 12u << 20;
  asio::io_context io;
  ScriptedServer server(
      io, answer_once("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBodyBytes) +
                          "\r\n\r\n" + std::string(kBodyBytes, 'x'),
                      Then::hang));
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  const auto result = run_exchanges(io, connection, 1).front();
  CHECK(result.outcome.ok());
  CHECK(result.body.size() == kBodyBytes);
  CHECK(result.calls > 1);  // delivered in pieces as it was read, not buffered whole
}

TEST_CASE("a read carries the time the kernel received the bytes, not the time it was made") {
  // The server runs on a thread of its own; the client's thread is kept busy in its body handler
  // (as by other streams' chunks) while the second chunk arrives, and reads it 60 ms late.
  asio::io_context server_io;
  std::promise<void> first_piece_seen;
  std::promise<std::pair<TimePoint, TimePoint>> second_chunk_written;  // before, after the write
  ScriptedServer server(server_io, [&](tcp::socket& socket, int) -> asio::awaitable<void> {
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    co_await write(socket, kHeadersAndOneChunk);
    first_piece_seen.get_future().wait();
    const TimePoint before_write = SteadyClock::now();
    co_await write(socket, "2\r\n\n\n\r\n0\r\n\r\n");
    second_chunk_written.set_value({before_write, SteadyClock::now()});
    co_await hang(socket);
  });
  std::thread server_thread([&] { server_io.run_for(30s); });

  asio::io_context io;
  Connection connection(io.get_executor(), options_for(server.port()), nullptr);
  std::vector<TimePoint> piece_times;
  TimePoint busy_until{};
  std::future<std::pair<TimePoint, TimePoint>> written = second_chunk_written.get_future();
  const Connection::BodyHandler on_body = [&](int, std::string_view, TimePoint read_time) {
    piece_times.push_back(read_time);
    if (piece_times.size() != 1) return;
    first_piece_seen.set_value();
    written.wait();  // the second chunk is on its way; this thread stays busy a while longer
    std::this_thread::sleep_for(60ms);
    busy_until = SteadyClock::now();
  };
  std::optional<ExchangeOutcome> outcome;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const llmpace::http::HttpRequest request{.method = "GET", .target = "/x", .body = {}};
        outcome = co_await connection.async_exchange(request, on_body, SteadyClock::now() + 5s);
      },
      asio::detached);
  io.run_for(20s);
  server_io.stop();
  server_thread.join();

  REQUIRE(outcome.has_value());
  CHECK(outcome->ok());
  REQUIRE(piece_times.size() == 2);
  const auto [before_write, after_write] = written.get();
  // Loopback delivers during the server's write: the kernel stamped the bytes within it (1 ms
  // allows for moving the stamp from the realtime clock), long before the late read.
  CHECK(piece_times[1] >= before_write - 1ms);
  CHECK(piece_times[1] <= after_write + 1ms);
  CHECK(piece_times[1] < busy_until - 30ms);
  CHECK(outcome->last_read == piece_times[1]);
}

TEST_CASE("two streams read through one thread's buffer each get exactly their own bytes") {
  // Plain reads go to one buffer per thread and a connection keeps only the bytes its reader
  // left: two bodies read in turn, many reads each, must not mix.
  constexpr std::size_t kBodyBytes = 8u << 20;
  const auto body_of = [](int connection_index) {
    std::string body(kBodyBytes, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) {
      body[i] = static_cast<char>((connection_index == 0 ? 'a' : 'A') + (i * 7 + i / 4093) % 26);
    }
    return body;
  };
  asio::io_context server_io;
  ScriptedServer server(server_io, [&](tcp::socket& socket, int index) -> asio::awaitable<void> {
    std::string buffer;
    if (!co_await read_request_head(socket, buffer)) co_return;
    co_await write(socket, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBodyBytes) +
                               "\r\n\r\n" + body_of(index % 2));
    co_await hang(socket);
  });
  std::thread server_thread([&] { server_io.run_for(30s); });

  asio::io_context io;
  Connection first(io.get_executor(), options_for(server.port()), nullptr);
  Connection second(io.get_executor(), options_for(server.port()), nullptr);
  std::array<std::string, 2> bodies;
  std::array<std::optional<ExchangeOutcome>, 2> outcomes;
  const auto exchange = [&](Connection& connection, std::size_t slot) -> asio::awaitable<void> {
    const llmpace::http::HttpRequest request{.method = "GET", .target = "/x", .body = {}};
    const Connection::BodyHandler on_body = [&, slot](int, std::string_view bytes, TimePoint) {
      bodies[slot].append(bytes);
    };
    outcomes[slot] = co_await connection.async_exchange(request, on_body, SteadyClock::now() + 20s);
  };
  asio::co_spawn(io, exchange(first, 0), asio::detached);
  asio::co_spawn(io, exchange(second, 1), asio::detached);
  io.run_for(25s);
  server_io.stop();
  server_thread.join();

  REQUIRE(outcomes[0]);
  REQUIRE(outcomes[1]);
  CHECK(outcomes[0]->ok());
  CHECK(outcomes[1]->ok());
  // Which connection the server saw first is not known: each body must be one of the two, whole.
  REQUIRE(bodies[0].size() == kBodyBytes);
  REQUIRE(bodies[1].size() == kBodyBytes);
  CHECK(bodies[0] != bodies[1]);
  CHECK((bodies[0] == body_of(0) || bodies[0] == body_of(1)));
  CHECK((bodies[1] == body_of(0) || bodies[1] == body_of(1)));
}
