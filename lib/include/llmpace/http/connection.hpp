// Connection: one keep-alive HTTP/1.1 connection to the target, plain TCP or TLS over
// beast::tcp_stream, that runs request/response exchanges with deadlines and hands every piece of
// response body to a callback together with the instant it was read from the socket.
//
// Failures never throw: they come back as an ErrorKind with a message (see ExchangeOutcome).
// Connecting looks the host up through an EndpointCache (its own, or one shared with the other
// connections of its io_context), within the connect timeout.
// cancel() closes the socket so the exchange in flight ends promptly with `cancelled` set.
//
// Thread affinity: belongs to the io_context of its executor and must only be used from that
// context's thread. One exchange at a time. The TLS context must outlive the Connection; a shared
// EndpointCache must belong to the same io_context.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "llmpace/core/error_kind.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/http/client_options.hpp"

namespace llmpace::http {

/// A request to send. It views its strings, which must outlive the exchange (as the request
/// itself must): one is made per request sent, and copies would cost allocations.
struct HttpRequest {
  std::string_view method = "POST";
  std::string_view target;  // path below the base URL's prefix, e.g. "/v1/chat/completions"
  std::string_view body;    // sent with Content-Type `content_type` when not empty
  std::string_view content_type = "application/json";
  std::string_view accept = "application/json";
  std::string_view request_id{};  // sent as X-Request-Id when not empty
};

struct ExchangeOutcome {
  ErrorKind error = ErrorKind::none;
  std::string error_message;
  bool cancelled = false;  // ended by cancel(), not by a failure
  int http_status = 0;     // of the final response; 0 when its head did not arrive
  // Headers of the final response that explain a failure, when it had them:
  std::string retry_after;   // Retry-After (429, 503)
  std::string location;      // Location (redirects, which llmpace does not follow)
  std::string content_type;  // Content-Type (a stream is text/event-stream)
  /// The final response's Date header in Unix seconds (core/http_date.hpp); 0 when it had none
  /// that parses.
  std::int64_t server_date_unix_s = 0;
  TimePoint sent;  // request handed to the socket (after connect and handshake)
  /// The read that brought the final response's first byte (interim 1xx responses skipped).
  TimePoint first_byte;
  TimePoint last_read;  // last read of the response (its end, when it completed)

  [[nodiscard]] bool ok() const { return error == ErrorKind::none && !cancelled; }
};

class EndpointCache;

class Connection {
 public:
  /// Called with the response status and each piece of the decoded body (chunked framing
  /// removed) with the instant it was read.
  using BodyHandler =
      std::function<void(int http_status, std::string_view bytes, TimePoint read_time)>;

  /// `endpoints`: shared with other connections of the same io_context to the same URL, or null
  /// for a cache of its own (looked up with options.resolver).
  Connection(boost::asio::any_io_executor executor, const ClientOptions& options,
             std::shared_ptr<boost::asio::ssl::context> tls_context,
             std::shared_ptr<EndpointCache> endpoints = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends `request` (connecting first when needed; retrying once on a fresh connection when a
  /// reused keep-alive connection turns out to be closed before any response byte), then streams
  /// the response body to `on_body`. `deadline` bounds the whole exchange. `request` and
  /// `on_body` must outlive the exchange: pass named objects, not temporaries (g++ 12 destroys
  /// some temporaries of a co_await full-expression twice).
  boost::asio::awaitable<ExchangeOutcome> async_exchange(const HttpRequest& request,
                                                         const BodyHandler& on_body,
                                                         TimePoint deadline);

  /// Closes the socket; an exchange in flight completes with `cancelled`. Idempotent.
  void cancel();

  [[nodiscard]] bool is_open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmpace::http
