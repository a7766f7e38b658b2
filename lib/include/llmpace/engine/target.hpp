// Target: what a benchmark talks to — the HTTP client settings, the API flavour and the model.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "llmpace/http/client_options.hpp"
#include "llmpace/openai/api_kind.hpp"

namespace llmpace::engine {

struct Target {
  http::ClientOptions client;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // used for https targets
  openai::ApiKind api = openai::ApiKind::chat_completions;
  std::string model;
};

/// Asks the server for its models (GET /v1/models) and returns the first id. Blocking; runs its
/// own short-lived io_context. Throws RunError when the target cannot be reached or lists none.
std::string discover_model(const http::ClientOptions& client,
                           std::shared_ptr<boost::asio::ssl::context> tls_context);

}  // namespace llmpace::engine
