#include <fmt/format.h>

#include "blocking_client.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/engine/target.hpp"
#include "llmpace/openai/request_builder.hpp"

namespace llmpace::engine {

std::string discover_model(const http::ClientOptions& client,
                           std::shared_ptr<boost::asio::ssl::context> tls_context) {
  BlockingClient blocking(client, std::move(tls_context));
  const BlockingResponse response = blocking.exchange("GET", "/v1/models");
  const std::string where = blocking.where();
  if (!response.outcome.ok()) {
    throw RunError(
        fmt::format("cannot reach target {}: {}", where, response.outcome.error_message));
  }
  if (response.outcome.http_status != 200) {
    throw RunError(fmt::format("GET {}/v1/models answered HTTP {}; pass --model to skip it", where,
                               response.outcome.http_status));
  }
  if (auto model = openai::first_model_id(response.body)) return *model;
  throw RunError(fmt::format("{}/v1/models lists no model; pass --model", where));
}

}  // namespace llmpace::engine
