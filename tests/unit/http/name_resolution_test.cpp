// Name resolution under the connect deadline, and one lookup shared by the connections of an
// io_context (as an engine worker's lanes share one). The resolvers are fakes on the test's
// io_context that answer 127.0.0.1: no DNS query leaves the machine.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/http/connection.hpp"
#include "llmpace/http/endpoint_cache.hpp"
#include "llmpace/http/name_resolver.hpp"
#include "llmpace/http/url.hpp"
#include "unit/http/scripted_server.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using llmpace::ErrorKind;
using llmpace::Nanoseconds;
using llmpace::SteadyClock;
using llmpace::TimePoint;
using llmpace::http::ClientOptions;
using llmpace::http::Connection;
using llmpace::http::EndpointCache;
using llmpace::http::ExchangeOutcome;
using llmpace::http::Resolution;
using llmpace::test::read_request_head;
using llmpace::test::ScriptedServer;
using llmpace::test::write;
using namespace std::chrono_literals;

namespace {

const std::string kChunkedOk =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    "7\r\ndata: a\r\n2\r\n\n\n\r\n0\r\n\r\n";

/// Answers every request on a connection, keep-alive.
asio::awaitable<void> answer_all(tcp::socket& socket, int) {
  std::string buffer;
  while (co_await read_request_head(socket, buffer)) co_await write(socket, kChunkedOk);
}

/// A port on 127.0.0.1 where nothing listens: connecting is refused.
std::uint16_t closed_port(asio::io_context& io) {
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

/// A resolver that counts its calls and, after `delay` (never when unset), answers the port of
/// its `answers` in turn (the last one again when they run out) on 127.0.0.1, or `error`.
struct FakeResolver {
  int calls = 0;
  std::optional<Nanoseconds> delay = Nanoseconds{0};
  boost::system::error_code error;
  std::vector<std::uint16_t> answers;

  llmpace::http::NameResolver function() {
    return [this](std::string, std::string) -> asio::awaitable<Resolution> {
      const std::size_t call = static_cast<std::size_t>(calls++);
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_at(delay ? SteadyClock::now() + *delay : TimePoint::max());
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (error) co_return Resolution{error, {}};
      const std::uint16_t port = answers.at(std::min(call, answers.size() - 1));
      co_return Resolution{{}, {tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)}};
    };
  }
};

ClientOptions options_with(FakeResolver& resolver, Nanoseconds connect_timeout = 2s) {
  ClientOptions options;
  // Never resolved for real: the fake answers with its own ports.
  options.base_url = llmpace::http::parse_url("http://llm.test:8000");
  options.resolver = resolver.function();
  options.timeouts.connect = connect_timeout;
  options.timeouts.idle = 2s;
  return options;
}

struct Timed {
  ExchangeOutcome outcome;
  Nanoseconds took{};
};

/// One GET on `connection`, timed from its start.
asio::awaitable<Timed> timed_exchange(Connection& connection, Nanoseconds total = 5s) {
  const llmpace::http::HttpRequest request{.method = "GET", .target = "/x", .body = {}};
  const Connection::BodyHandler on_body = [](int, std::string_view, TimePoint) {};
  const TimePoint start = SteadyClock::now();
  const TimePoint deadline = start + total;
  Timed timed;
  timed.outcome = co_await connection.async_exchange(request, on_body, deadline);
  timed.took = SteadyClock::now() - start;
  co_return timed;
}

/// Runs `body` on `io` until it returns (then stops: fakes and servers may still wait).
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body();
        finished = true;
        io.stop();
      },
      asio::detached);
  io.run_for(20s);
  REQUIRE(finished);
}

}  // namespace

TEST_CASE("a lookup that does not answer within the connect timeout is a connect_timeout") {
  asio::io_context io;
  FakeResolver resolver;
  resolver.delay.reset();  // never answers
  Connection connection(io.get_executor(), options_with(resolver, 200ms), nullptr);
  Timed result;
  run(io, [&]() -> asio::awaitable<void> { result = co_await timed_exchange(connection); });
  CHECK(result.outcome.error == ErrorKind::connect_timeout);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("resolving 'llm.test' timed out"));
  CHECK(result.took >= 190ms);
  CHECK(result.took < 2s);  // about the connect timeout, far from the 5 s request deadline
  CHECK(resolver.calls == 1);
}

TEST_CASE("the request deadline wins over a slow lookup when it comes first") {
  asio::io_context io;
  FakeResolver resolver;
  resolver.delay.reset();
  Connection connection(io.get_executor(), options_with(resolver, 5s), nullptr);
  Timed result;
  run(io, [&]() -> asio::awaitable<void> { result = co_await timed_exchange(connection, 150ms); });
  CHECK(result.outcome.error == ErrorKind::request_timeout);
  CHECK(result.took < 2s);
}

TEST_CASE("a failed lookup is a dns error, apart from refused connections") {
  asio::io_context io;
  FakeResolver resolver;
  resolver.error = asio::error::host_not_found;
  Connection connection(io.get_executor(), options_with(resolver), nullptr);
  Timed result;
  run(io, [&]() -> asio::awaitable<void> { result = co_await timed_exchange(connection); });
  CHECK(result.outcome.error == ErrorKind::dns);
  CHECK_THAT(result.outcome.error_message, Catch::Contains("cannot resolve 'llm.test'"));
}

TEST_CASE("cancel() ends a wait for the lookup at once") {
  asio::io_context io;
  FakeResolver resolver;
  resolver.delay.reset();
  Connection connection(io.get_executor(), options_with(resolver, 10s), nullptr);
  asio::steady_timer cancel_timer(io);
  cancel_timer.expires_after(50ms);
  cancel_timer.async_wait([&](boost::system::error_code) { connection.cancel(); });
  Timed result;
  run(io, [&]() -> asio::awaitable<void> { result = co_await timed_exchange(connection); });
  CHECK(result.outcome.cancelled);
  CHECK(result.outcome.error == ErrorKind::none);
  CHECK(result.took < 5s);
}

TEST_CASE("connections that share an EndpointCache look the host up once") {
  asio::io_context io;
  int connections_served = 0;
  ScriptedServer server(io, [&](tcp::socket& socket, int) -> asio::awaitable<void> {
    ++connections_served;
    std::string buffer;
    // One answer per connection, then close: every later request has to connect again.
    if (co_await read_request_head(socket, buffer)) co_await write(socket, kChunkedOk);
  });
  FakeResolver resolver;
  resolver.delay = 20ms;  // long enough for all connections to wait for the same lookup
  resolver.answers = {server.port()};
  const ClientOptions options = options_with(resolver);
  auto cache =
      std::make_shared<EndpointCache>(io.get_executor(), options.base_url, options.resolver);
  constexpr int kConnections = 4;
  constexpr int kExchangesEach = 3;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(std::make_unique<Connection>(io.get_executor(), options, nullptr, cache));
  }
  int ok = 0;
  int done = 0;
  for (auto& connection : connections) {
    asio::co_spawn(
        io,
        [&, &connection = *connection]() -> asio::awaitable<void> {
          for (int n = 0; n < kExchangesEach; ++n) {
            const Timed result = co_await timed_exchange(connection);
            ok += result.outcome.ok() ? 1 : 0;
          }
          if (++done == kConnections) io.stop();
        },
        asio::detached);
  }
  io.run_for(20s);
  REQUIRE(done == kConnections);
  CHECK(ok == kConnections * kExchangesEach);
  CHECK(connections_served == kConnections * kExchangesEach);  // every exchange connected anew
  CHECK(resolver.calls == 1);
  CHECK(cache->lookups() == 1);
}

TEST_CASE("a lookup that outlives one connect deadline still serves the next connection") {
  asio::io_context io;
  ScriptedServer server(io, answer_all);
  FakeResolver resolver;
  resolver.delay = 300ms;
  resolver.answers = {server.port()};
  const ClientOptions impatient = options_with(resolver, 50ms);
  const ClientOptions patient = options_with(resolver, 5s);
  auto cache =
      std::make_shared<EndpointCache>(io.get_executor(), impatient.base_url, impatient.resolver);
  Connection first(io.get_executor(), impatient, nullptr, cache);
  Connection second(io.get_executor(), patient, nullptr, cache);
  Timed first_result;
  Timed second_result;
  Timed third_result;
  run(io, [&]() -> asio::awaitable<void> {
    first_result = co_await timed_exchange(first);
    second_result = co_await timed_exchange(second);  // joins the lookup still running
    third_result = co_await timed_exchange(first);    // from the cache, well within 50 ms
  });
  CHECK(first_result.outcome.error == ErrorKind::connect_timeout);
  CHECK(second_result.outcome.ok());
  CHECK(third_result.outcome.ok());
  CHECK(resolver.calls == 1);
}

TEST_CASE("when connecting to the cached endpoints fails the host is looked up again") {
  asio::io_context io;
  ScriptedServer server(io, answer_all);
  FakeResolver resolver;
  // The target "moves": the first answer is a port where nothing listens, the next the server.
  resolver.answers = {closed_port(io), server.port()};
  Connection connection(io.get_executor(), options_with(resolver), nullptr);
  std::vector<Timed> results;
  run(io, [&]() -> asio::awaitable<void> {
    for (int n = 0; n < 3; ++n) results.push_back(co_await timed_exchange(connection));
  });
  REQUIRE(results.size() == 3);
  CHECK(results[0].outcome.error == ErrorKind::connect);
  CHECK(results[1].outcome.ok());
  CHECK(results[2].outcome.ok());
  CHECK(resolver.calls == 2);  // once more after the failure, not for the keep-alive reuse
}

TEST_CASE("the system resolver answers an IP literal without asking DNS") {
  asio::io_context io;
  Resolution resolution;
  run(io, [&]() -> asio::awaitable<void> {
    resolution = co_await llmpace::http::resolve_with_system("127.0.0.1", "8080");
  });
  CHECK_FALSE(resolution.error);
  REQUIRE(resolution.endpoints.size() == 1);
  CHECK(resolution.endpoints.front() == tcp::endpoint(asio::ip::make_address("127.0.0.1"), 8080));
}
