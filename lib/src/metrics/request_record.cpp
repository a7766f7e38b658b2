#include "llmpace/metrics/request_record.hpp"

namespace llmpace::metrics {

std::string_view to_string(RequestStatus status) {
  switch (status) {
    case RequestStatus::successful:
      return "successful";
    case RequestStatus::incomplete:
      return "incomplete";
    case RequestStatus::errored:
      return "errored";
  }
  return "unknown";
}

std::string_view to_string(TokenCountSource source) {
  switch (source) {
    case TokenCountSource::none:
      return "none";
    case TokenCountSource::server_usage:
      return "server_usage";
    case TokenCountSource::chunk_count:
      return "chunk_count";
    case TokenCountSource::client:
      return "client";
  }
  return "unknown";
}

}  // namespace llmpace::metrics
