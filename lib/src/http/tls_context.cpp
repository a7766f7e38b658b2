#include "llmpace/http/tls_context.hpp"

#include <fmt/format.h>

#include "llmpace/core/error.hpp"

namespace llmpace::http {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls_context(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (options.insecure) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code error;
  context->set_default_verify_paths(
      error);  // a missing system store is not fatal: --ca-cert may do
  if (!options.ca_cert_file.empty()) {
    context->load_verify_file(options.ca_cert_file, error);
    if (error) {
      throw ConfigError(
          fmt::format("--ca-cert: cannot load '{}': {}", options.ca_cert_file, error.message()));
    }
  }
  return context;
}

}  // namespace llmpace::http
