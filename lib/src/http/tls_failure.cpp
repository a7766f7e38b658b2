#include "tls_failure.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace llmpace::http {

namespace {

bool is_untrusted(long verify_result) {
  switch (verify_result) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string describe_tls_handshake_failure(const boost::system::error_code& error,
                                           long verify_result) {
  const std::string openssl_reason = error.message();
  if (verify_result == X509_V_ERR_HOSTNAME_MISMATCH ||
      verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return fmt::format(
        "host name mismatch: the server's certificate is not for this host ({}); connect by a "
        "name the certificate lists, or --insecure",
        X509_verify_cert_error_string(verify_result));
  }
  if (is_untrusted(verify_result)) {
    return fmt::format(
        "certificate not trusted ({}); give its CA with --ca-cert FILE, or --insecure",
        X509_verify_cert_error_string(verify_result));
  }
  if (verify_result == X509_V_ERR_CERT_HAS_EXPIRED ||
      verify_result == X509_V_ERR_CERT_NOT_YET_VALID) {
    return fmt::format("certificate not valid now ({})",
                       X509_verify_cert_error_string(verify_result));
  }
  if (verify_result != X509_V_OK) {
    return fmt::format("certificate verification failed ({})",
                       X509_verify_cert_error_string(verify_result));
  }
  if (error.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(error.value())) == SSL_R_WRONG_VERSION_NUMBER) {
    return fmt::format(
        "the server does not speak TLS on this port (OpenSSL: {}); is the URL http://?",
        openssl_reason);
  }
  if (error == boost::asio::error::eof || error == boost::asio::ssl::error::stream_truncated ||
      error == boost::asio::error::connection_reset) {
    return fmt::format(
        "the server closed the connection during the handshake ({}); does it speak TLS on this "
        "port, or is the URL http://?",
        openssl_reason);
  }
  return fmt::format("handshake failed (OpenSSL: {})", openssl_reason);
}

bool looks_like_tls_record(std::string_view bytes) {
  // A record header: content type handshake (22) or alert (21), then major version 3.
  return bytes.size() >= 2 && (bytes[0] == '\x16' || bytes[0] == '\x15') && bytes[1] == '\x03';
}

}  // namespace llmpace::http
