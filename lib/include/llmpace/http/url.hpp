// Url: the parts of an http:// or https:// base URL that the client needs, parsed by Boost.URL
// (RFC 3986) and checked for what a load generator can use.
//
// "https://Gateway.Example:8443/ns/model/v1?api-version=2" -> scheme https, host
// "gateway.example", port 8443, path_prefix "/ns/model", query "api-version=2".
//
// - scheme: http or https, any case; nothing else.
// - host: a DNS name (lower-cased), an IPv4 literal, or an IPv6 literal written in brackets
//   ("http://[::1]:8000") and stored without them (canonical form, "::1"). Host names are ASCII
//   letters, digits, '-', '.' and '_' (an international name in its xn-- form).
// - port: 1-65535; 80 for http and 443 for https when not given.
// - path_prefix: the path as sent (percent-encoding kept, no normalisation), less any trailing
//   '/' and then one trailing "/v1", because request targets always start with "/v1/":
//   ".../v1", ".../v1/" and "..." all mean the same server.
// - query: kept as sent and appended to every request target (e.g. an api-version). It is not
//   printed by to_string(); do not put keys there, use the API key or a header.
// - refused: credentials ("user:pass@"; the message never repeats them, not even when a '/' in
//   the password makes the text parse another way), an '@' after the host (legal there, but
//   usually such a password; write %40), fragments ("#..."; a client never sends them, so one is
//   a mistake), and anything Boost.URL does not accept.
//
// Plain data; pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmpace::http {

struct Url {
  std::string scheme;       // "http" or "https"
  std::string host;         // lower-case name or IP literal, without brackets
  std::uint16_t port = 0;   // explicit or default
  std::string path_prefix;  // "" or "/something", never ending in '/', percent-encoding as sent
  std::string query;        // "" or the query as sent, without the '?'

  [[nodiscard]] bool is_tls() const { return scheme == "https"; }
  /// True when host is an IPv4 or IPv6 literal (no SNI is sent for those).
  [[nodiscard]] bool host_is_ip_literal() const;
  /// Value for the Host header: host (IPv6 in brackets), plus ":port" when not the scheme's
  /// default.
  [[nodiscard]] std::string host_header() const;
  /// The same, appended to `out` (no string of its own: once per request sent).
  void append_host_header(std::string& out) const;
  /// The request target for `path` (e.g. "/v1/chat/completions"): path_prefix + path, then the
  /// query after '?' (or '&' when `path` has a query of its own).
  [[nodiscard]] std::string request_target(std::string_view path) const;
  /// The same, appended to `out` (no string of its own: once per request sent).
  void append_request_target(std::string& out, std::string_view path) const;
  /// "scheme://host:port" + path_prefix (IPv6 in brackets, no query), for messages and reports.
  [[nodiscard]] std::string to_string() const;
};

/// Parses `text`; throws ConfigError with a one-line reason ("invalid URL '...': port 70000 is
/// out of range (1-65535)") when it is not a usable URL. Credentials in `text` are shown as
/// "***" in the message. The message may name the API key and header settings as "{api_key}" and
/// "{header}" placeholders (see core/setting_error.hpp).
Url parse_url(std::string_view text);

}  // namespace llmpace::http
