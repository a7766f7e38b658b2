// Url: the parts of an http:// or https:// base URL that the client needs.
//
// "https://vllm.example:8443/prefix" -> scheme https, host "vllm.example", port 8443,
// path_prefix "/prefix". The port defaults to 80 / 443; a trailing '/' and a trailing "/v1" are
// dropped from the prefix, because request paths always start with "/v1/". IPv6 literals are
// written in brackets ("http://[::1]:8000") and stored without them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmpace::http {

struct Url {
  std::string scheme;       // "http" or "https"
  std::string host;         // host name or IP literal, without brackets
  std::uint16_t port = 0;   // explicit or default
  std::string path_prefix;  // "" or "/something", never ending in '/'

  [[nodiscard]] bool is_tls() const { return scheme == "https"; }
  /// True when host is an IPv4 or IPv6 literal (no SNI is sent for those).
  [[nodiscard]] bool host_is_ip_literal() const;
  /// Value for the Host header: host, plus ":port" when not the scheme's default.
  [[nodiscard]] std::string host_header() const;
  /// "scheme://host:port" + path_prefix, for messages and reports.
  [[nodiscard]] std::string to_string() const;
};

/// Parses `text`; throws ConfigError with a one-line reason when it is not a usable URL.
Url parse_url(std::string_view text);

}  // namespace llmpace::http
