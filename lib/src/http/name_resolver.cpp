#include "llmpace/http/name_resolver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace llmpace::http {

namespace asio = boost::asio;

asio::awaitable<Resolution> resolve_with_system(std::string host, std::string service) {
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  auto [error, results] =
      co_await resolver.async_resolve(host, service, asio::as_tuple(asio::use_awaitable));
  Resolution resolution{error, {}};
  for (const auto& entry : results) resolution.endpoints.push_back(entry.endpoint());
  co_return resolution;
}

}  // namespace llmpace::http
