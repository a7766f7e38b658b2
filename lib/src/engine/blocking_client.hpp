// BlockingClient: plain request/response exchanges with the target before load starts (model
// discovery, tokenizer calls), on one keep-alive connection with its own io_context.
//
// Thread affinity: one thread at a time; each exchange blocks that thread until the response has
// been read or the connect + response-header timeouts have passed. Never used during load.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "llmpace/http/client_options.hpp"
#include "llmpace/http/connection.hpp"

namespace llmpace::engine {

struct BlockingResponse {
  http::ExchangeOutcome outcome;  // transport result; outcome.http_status is the status
  std::string body;
};

class BlockingClient {
 public:
  BlockingClient(const http::ClientOptions& client,
                 std::shared_ptr<boost::asio::ssl::context> tls_context);

  /// One exchange; `body` is sent as JSON when not empty.
  BlockingResponse exchange(std::string method, std::string path, std::string body = {});

  /// The target as users wrote it, for messages.
  [[nodiscard]] std::string where() const { return client_.base_url.to_string(); }

 private:
  http::ClientOptions client_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  boost::asio::io_context io_;
  http::Connection connection_;
};

}  // namespace llmpace::engine
