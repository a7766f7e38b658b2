#include "llmpace/telemetry/capture.hpp"

namespace llmpace::telemetry {

std::string_view to_string(EndpointRole role) {
  return role == EndpointRole::gpu ? "gpu" : "server";
}

}  // namespace llmpace::telemetry
