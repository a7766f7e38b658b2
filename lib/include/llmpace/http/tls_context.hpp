// The client's TLS context: TLS 1.2+, peer verification against the system CA store plus an
// optional extra CA file, or no verification at all with --insecure.
//
// Lifetime: shared by every Connection of a run; must outlive them. Read-only once built, so it
// may be shared across threads.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "llmpace/http/client_options.hpp"

namespace llmpace::http {

/// Builds the context. Throws ConfigError when the CA file cannot be read or parsed.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const TlsOptions& options);

}  // namespace llmpace::http
