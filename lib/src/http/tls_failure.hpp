// Why a TLS handshake failed, in words a user can act on: certificate not trusted, host name
// mismatch, or a server that does not speak TLS on the port, with OpenSSL's own reason.
//
// Pure functions over OpenSSL's results; any thread.
#pragma once

#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

namespace llmpace::http {

/// `verify_result` is SSL_get_verify_result() after the failed handshake.
std::string describe_tls_handshake_failure(const boost::system::error_code& error,
                                           long verify_result);

/// True when `bytes` (the start of what a plain-HTTP request got back) is a TLS record: the
/// server speaks TLS on a port the URL calls http.
bool looks_like_tls_record(std::string_view bytes);

}  // namespace llmpace::http
