// ErrorKind: why one request failed, as data. Failures of individual requests are never
// exceptions: the HTTP client reports them as an ErrorKind with a message, the engine stores it in
// the request's record, and reports count each kind separately.
//
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace llmpace {

enum class ErrorKind : std::uint8_t {
  none,
  dns,                // the host name did not resolve (no such name, resolver failure)
  connect,            // TCP connect refused or unreachable
  connect_timeout,    // name resolution + TCP connect deadline (--connect-timeout)
  tls,                // TLS handshake failed (certificate, protocol)
  tls_timeout,        // TLS handshake deadline
  header_timeout,     // no response headers before the deadline
  idle_timeout,       // gap between two body reads exceeded the idle deadline
  request_timeout,    // the whole request exceeded --request-timeout
  rate_limited,       // HTTP 429 Too Many Requests (the message carries any Retry-After)
  http_status,        // any other non-2xx HTTP status
  stream_error,       // the server sent an error event inside the stream
  protocol,           // malformed HTTP, SSE or JSON from the server
  connection_closed,  // the server closed the connection before the stream ended
};

/// The kind's name as reports print it ("connect_timeout"); "unknown" for a value out of range.
std::string_view to_string(ErrorKind kind);

}  // namespace llmpace
