#include "llmpace/http/url.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

#include "llmpace/core/error.hpp"

namespace llmpace::http {
namespace {

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw ConfigError(fmt::format("invalid URL '{}': {}", text, why));
}

}  // namespace

bool Url::host_is_ip_literal() const {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

std::string Url::host_header() const {
  const bool default_port = (is_tls() && port == 443) || (!is_tls() && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string name = ipv6 ? fmt::format("[{}]", host) : host;
  return default_port ? name : fmt::format("{}:{}", name, port);
}

std::string Url::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}:{}{}", scheme, ipv6 ? fmt::format("[{}]", host) : host, port,
                     path_prefix);
}

Url parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos)
    fail(text, "expected http://HOST[:PORT] or https://...");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    fail(text, fmt::format("unsupported scheme '{}' (use http or https)", url.scheme));
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    fail(text, "credentials in the URL are not supported (use --api-key)");
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    fail(text, "query strings and fragments are not supported");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated IPv6 literal");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') fail(text, "unexpected characters after IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) fail(text, "empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) fail(text, "empty port");
    }
  }
  if (url.host.empty()) fail(text, "missing host");

  if (port_text.empty()) {
    url.port = url.is_tls() ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      fail(text, fmt::format("bad port '{}'", port_text));
    }
    url.port = static_cast<std::uint16_t>(value);
  }

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with("/v1")) path.remove_suffix(3);
  url.path_prefix = std::string(path);
  return url;
}

}  // namespace llmpace::http
