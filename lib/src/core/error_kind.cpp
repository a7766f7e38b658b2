#include "llmpace/core/error_kind.hpp"

namespace llmpace {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "none";
    case ErrorKind::dns:
      return "dns";
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::connect_timeout:
      return "connect_timeout";
    case ErrorKind::tls:
      return "tls";
    case ErrorKind::tls_timeout:
      return "tls_timeout";
    case ErrorKind::header_timeout:
      return "header_timeout";
    case ErrorKind::idle_timeout:
      return "idle_timeout";
    case ErrorKind::request_timeout:
      return "request_timeout";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::http_status:
      return "http_status";
    case ErrorKind::stream_error:
      return "stream_error";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::connection_closed:
      return "connection_closed";
  }
  return "unknown";
}

}  // namespace llmpace
