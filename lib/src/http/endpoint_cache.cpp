#include "llmpace/http/endpoint_cache.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>

namespace llmpace::http {

namespace asio = boost::asio;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

/// One lookup: shared by the cache and the lookup's completion, so either may go first.
struct EndpointCache::Lookup {
  NameResolver resolver;  // this lookup's copy: a resolver coroutine may refer to its captures
  std::optional<Resolution> result;
  std::vector<asio::steady_timer*> waiters;  // callers waiting for `result`, woken by cancel()
};

EndpointCache::EndpointCache(asio::any_io_executor executor, const Url& url, NameResolver resolver)
    : executor_(std::move(executor)),
      host_(url.host),
      service_(std::to_string(url.port)),
      resolver_(resolver ? std::move(resolver) : NameResolver(resolve_with_system)) {}

void EndpointCache::invalidate() {
  endpoints_.clear();
  // A finished lookup would otherwise be taken up again; one still running is fresh: keep it.
  if (lookup_ && lookup_->result) lookup_.reset();
}

void EndpointCache::start_lookup() {
  auto lookup = std::make_shared<Lookup>();
  lookup->resolver = resolver_;
  lookup_ = lookup;
  ++lookups_;
  asio::co_spawn(executor_, lookup->resolver(host_, service_),
                 [lookup](std::exception_ptr failure, Resolution resolution) {
                   // A resolver reports failures as values; should one throw anyway, the request
                   // still gets an answer.
                   if (failure) resolution = {asio::error::host_not_found, {}};
                   if (!resolution.error && resolution.endpoints.empty()) {
                     resolution.error = asio::error::host_not_found;
                   }
                   lookup->result = std::move(resolution);
                   for (asio::steady_timer* waiter : lookup->waiters) waiter->cancel();
                   lookup->waiters.clear();
                 });
}

asio::awaitable<Resolution> EndpointCache::async_endpoints(TimePoint deadline,
                                                           asio::steady_timer& timer) {
  if (lookup_ && lookup_->result) {  // a lookup ended since the last call: keep what it found
    if (!lookup_->result->error) endpoints_ = lookup_->result->endpoints;
    lookup_.reset();
  }
  if (!endpoints_.empty()) co_return Resolution{{}, endpoints_};
  if (!lookup_) start_lookup();
  const std::shared_ptr<Lookup> lookup = lookup_;
  boost::system::error_code wait_error;
  if (!lookup->result) {
    timer.expires_at(deadline);
    lookup->waiters.push_back(&timer);
    std::tie(wait_error) = co_await timer.async_wait(kUseTuple);
    std::erase(lookup->waiters, &timer);
  }
  if (lookup->result) co_return *lookup->result;
  co_return Resolution{wait_error ? asio::error::operation_aborted : asio::error::timed_out, {}};
}

}  // namespace llmpace::http
