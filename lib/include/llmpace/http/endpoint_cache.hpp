// EndpointCache: the target's TCP endpoints, looked up once and shared by the connections of one
// io_context (an engine worker's lanes), so that opening a connection during a run does not ask
// DNS again.
//
// - Lazy and coalesced: the first caller starts the lookup; callers that come while it runs wait
//   for the same answer. At most one lookup runs at a time, so a hanging DNS server never piles
//   lookups up.
// - Each caller waits until its own deadline only. A lookup that outlives every wait goes on in the
//   background and, when it succeeds, fills the cache for the next caller.
// - Failures are not kept: the next caller looks the name up again.
// - invalidate() forgets the endpoints. Connection calls it when connecting to them failed (every
//   endpoint refused, unreachable or timed out), so a target that moved (a new Service IP, a DNS
//   fail-over) is found again. A target that answers is never looked up again during the run:
//   DNS stays out of the measured path, and a record's connect time is the TCP connect's.
//
// Thread affinity: the io_context of its executor; not synchronised. Lifetime: shared by the
// connections that use it; a lookup in flight keeps its own state alive, not the cache.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/http/name_resolver.hpp"
#include "llmpace/http/url.hpp"

namespace llmpace::http {

class EndpointCache {
 public:
  /// For `url`'s host and port, looked up with `resolver` (resolve_with_system when empty).
  EndpointCache(boost::asio::any_io_executor executor, const Url& url, NameResolver resolver = {});
  EndpointCache(const EndpointCache&) = delete;
  EndpointCache& operator=(const EndpointCache&) = delete;

  /// The endpoints, looking them up first when none are kept. Completes by `deadline` with the
  /// endpoints, the lookup's error, asio::error::timed_out when the deadline came first, or
  /// asio::error::operation_aborted when `timer` was cancelled. `timer` is the caller's (on this
  /// cache's io_context) so that the caller can end the wait early by cancelling it; it must
  /// outlive the call.
  boost::asio::awaitable<Resolution> async_endpoints(TimePoint deadline,
                                                     boost::asio::steady_timer& timer);

  /// Forgets the endpoints: the next caller looks the name up again.
  void invalidate();

  /// Lookups started so far.
  [[nodiscard]] std::uint64_t lookups() const { return lookups_; }

 private:
  struct Lookup;

  void start_lookup();

  boost::asio::any_io_executor executor_;
  std::string host_;
  std::string service_;
  NameResolver resolver_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;  // empty: none kept
  std::shared_ptr<Lookup> lookup_;  // the latest lookup, running or finished but not yet taken
  std::uint64_t lookups_ = 0;
};

}  // namespace llmpace::http
