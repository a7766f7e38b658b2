// Runs GET exchanges on one Connection against a scripted server, for the client tests: options
// for a loopback port, and the outcome and body of each exchange.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "llmpace/http/connection.hpp"
#include "llmpace/http/url.hpp"

namespace llmpace::test {

struct Exchange {
  http::ExchangeOutcome outcome;
  std::string body;
  int calls = 0;  // body pieces handed to the handler
};

/// Options for http://127.0.0.1:PORT with 2 s connect and `idle` deadlines.
inline http::ClientOptions options_for(std::uint16_t port,
                                       std::chrono::nanoseconds idle = std::chrono::seconds(2)) {
  http::ClientOptions options;
  options.base_url = http::parse_url("http://127.0.0.1:" + std::to_string(port));
  options.timeouts.connect = std::chrono::seconds(2);
  options.timeouts.idle = idle;
  return options;
}

/// Runs `exchanges` GET requests in sequence on one connection and the io_context until done;
/// each has `total` as its whole-request deadline.
inline std::vector<Exchange> run_exchanges(
    boost::asio::io_context& io, http::Connection& connection, int exchanges,
    std::chrono::nanoseconds total = std::chrono::seconds(5)) {
  std::vector<Exchange> results(static_cast<std::size_t>(exchanges));
  bool finished = false;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const http::HttpRequest request{.method = "GET", .target = "/x", .body = {}};
        for (auto& result : results) {
          const http::Connection::BodyHandler on_body = [&result](int, std::string_view bytes,
                                                                  TimePoint) {
            result.body.append(bytes);
            ++result.calls;
          };
          const TimePoint deadline = SteadyClock::now() + total;
          result.outcome = co_await connection.async_exchange(request, on_body, deadline);
        }
        finished = true;
        io.stop();  // scripted servers may still hang on to sockets
      },
      boost::asio::detached);
  io.run_for(std::chrono::seconds(30));
  REQUIRE(finished);
  return results;
}

}  // namespace llmpace::test
