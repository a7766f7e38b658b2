// NameResolver: how the HTTP client turns the target's host name into TCP endpoints. The system's
// resolver (getaddrinfo) unless a test supplies its own, to count lookups or to make one hang.
//
// A resolver reports failure as a Resolution with an error, never by throwing. It may take as long
// as it likes: the caller bounds its wait (see EndpointCache) and leaves a late answer running.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <functional>
#include <string>
#include <vector>

namespace llmpace::http {

/// The answer of one lookup: endpoints in the order to try them, or an error.
struct Resolution {
  boost::system::error_code error;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // empty when `error` is set
};

/// Looks up `host` and `service` (a port number in decimal) on the executor of the awaiting
/// coroutine. Arguments by value: the lookup may outlive its caller's wait.
using NameResolver =
    std::function<boost::asio::awaitable<Resolution>(std::string host, std::string service)>;

/// The system's resolver: getaddrinfo on Asio's resolver thread (one per io_context). A lookup in
/// progress cannot be interrupted; the io_context's run() returns only once it has finished.
boost::asio::awaitable<Resolution> resolve_with_system(std::string host, std::string service);

}  // namespace llmpace::http
