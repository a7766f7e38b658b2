#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "llmpace/core/error.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/openai/request_builder.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;

std::string discover_model(const http::ClientOptions& client,
                           std::shared_ptr<asio::ssl::context> tls_context) {
  asio::io_context io;
  http::Connection connection(io.get_executor(), client, std::move(tls_context));
  std::string body;
  http::ExchangeOutcome outcome;
  const http::HttpRequest request{.method = "GET", .target = "/v1/models", .body = {}};
  const http::Connection::BodyHandler on_body = [&](int, std::string_view bytes, TimePoint) {
    body.append(bytes);
  };
  auto exchange = [&]() -> asio::awaitable<void> {
    const TimePoint deadline =
        SteadyClock::now() + client.timeouts.connect + client.timeouts.response_headers;
    outcome = co_await connection.async_exchange(request, on_body, deadline);
  };
  auto done = asio::co_spawn(io, exchange(), asio::use_future);
  io.run();
  done.get();

  const std::string where = client.base_url.to_string();
  if (!outcome.ok()) {
    throw RunError(fmt::format("cannot reach target {}: {}", where, outcome.error_message));
  }
  if (outcome.http_status != 200) {
    throw RunError(fmt::format("GET {}/v1/models answered HTTP {}; pass --model to skip it", where,
                               outcome.http_status));
  }
  if (auto model = openai::first_model_id(body)) return *model;
  throw RunError(fmt::format("{}/v1/models lists no model; pass --model", where));
}

}  // namespace llmpace::engine
