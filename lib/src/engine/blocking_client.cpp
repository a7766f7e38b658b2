#include "blocking_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace llmpace::engine {

namespace asio = boost::asio;

BlockingClient::BlockingClient(const http::ClientOptions& client,
                               std::shared_ptr<asio::ssl::context> tls_context)
    : client_(client),
      tls_context_(std::move(tls_context)),
      connection_(io_.get_executor(), client_, tls_context_) {}

BlockingResponse BlockingClient::exchange(std::string method, std::string path, std::string body) {
  BlockingResponse response;
  const http::HttpRequest request{.method = method, .target = path, .body = body};
  const http::Connection::BodyHandler on_body = [&](int, std::string_view bytes, TimePoint) {
    response.body.append(bytes);
  };
  auto exchange = [&]() -> asio::awaitable<void> {
    const TimePoint deadline =
        SteadyClock::now() + client_.timeouts.connect + client_.timeouts.idle;
    response.outcome = co_await connection_.async_exchange(request, on_body, deadline);
  };
  auto done = asio::co_spawn(io_, exchange(), asio::use_future);
  io_.restart();
  io_.run();
  done.get();
  return response;
}

}  // namespace llmpace::engine
