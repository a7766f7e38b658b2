#include "llmpace/http/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <optional>

#include "llmpace/core/error.hpp"

namespace llmpace::http {
namespace urls = boost::urls;
namespace {

constexpr std::string_view kExpected = "expected http://HOST[:PORT][/PATH] or https://...";

/// Where credentials sit in a URL's text: [first, last).
struct Span {
  std::size_t first = 0;
  std::size_t last = 0;
};

/// Throws the one-line ConfigError about one URL, "invalid URL 'TEXT': WHY", with whatever may be
/// credentials in TEXT shown as "***". A WHY that quotes a piece of TEXT asks shows() first.
class Reject {
 public:
  /// Credentials guessed from the text alone: from after "://" to the last '@'. This may hide more
  /// than the credentials (an '@' in the path of a URL that fails for another reason), never less,
  /// even when a password holds a '/' that makes Boost.URL read it as a port and a path.
  explicit Reject(std::string_view text) : text_(text) {
    const std::size_t separator = text.find("://");
    const std::size_t first = separator == std::string_view::npos ? 0 : separator + 3;
    const std::size_t at = text.rfind('@');
    if (at != std::string_view::npos && at >= first) credentials_ = Span{first, at};
  }

  /// The exact credentials once Boost.URL found a userinfo (`url` views `text`).
  void found(const urls::url_view& url) {
    if (!url.has_userinfo()) return;
    const std::string_view authority = url.encoded_authority();
    const auto first = static_cast<std::size_t>(authority.data() - text_.data());
    credentials_ = Span{first, first + authority.find('@')};
  }

  [[nodiscard]] bool has_credentials() const { return credentials_.has_value(); }
  /// True when text_[at] may be shown.
  [[nodiscard]] bool shows(std::size_t at) const {
    return !credentials_ || at < credentials_->first || at >= credentials_->last;
  }
  /// True when `piece`, a view into the text, may be shown.
  [[nodiscard]] bool shows(std::string_view piece) const {
    const auto first = static_cast<std::size_t>(piece.data() - text_.data());
    return !credentials_ || first + piece.size() <= credentials_->first ||
           first >= credentials_->last;
  }

  [[noreturn]] void operator()(std::string_view why) const {
    std::string shown(text_);
    if (credentials_) {
      shown.replace(credentials_->first, credentials_->last - credentials_->first, "***");
    }
    throw ConfigError(fmt::format("invalid URL '{}': {}", shown, why));
  }

 private:
  std::string_view text_;
  std::optional<Span> credentials_;
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// A character RFC 3986 allows somewhere in a URL (unreserved, reserved or '%').
bool is_url_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
}

/// Why Boost.URL refused `text`, in words a user can act on; characters that may be credentials
/// are not named.
[[noreturn]] void reject_unparsed(std::string_view text, const Reject& reject) {
  if (text.find("://") == std::string_view::npos) {
    reject(fmt::format("missing scheme or host: {}", kExpected));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!reject.shows(i)) continue;
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == '%' && !(i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2]))) {
      reject("'%' must start a percent-encoding such as %25 (a literal '%')");
    }
    if (is_url_char(c)) continue;
    if (c == ' ') reject("a space must be percent-encoded as %20");
    if (byte < 0x20 || byte == 0x7f) reject("it contains a control character");
    if (byte >= 0x80) {
      reject("non-ASCII characters must be percent-encoded (a host name in its xn-- form)");
    }
    reject(fmt::format("'{}' must be percent-encoded as %{:02X}", c, byte));
  }
  if (reject.has_credentials()) {
    reject("not a valid URL; credentials ('user:password@') are not supported in it anyway");
  }
  if (text.find('[') != std::string_view::npos) {
    reject("malformed IPv6 literal (write it as [::1]; zone IDs are not supported)");
  }
  reject(fmt::format("not a valid URL: {}", kExpected));
}

bool is_host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string host_of(const urls::url_view& url, const Reject& reject) {
  const std::string_view written = url.encoded_host();
  const std::string shown = reject.shows(written) ? fmt::format(" '{}'", written) : "";
  switch (url.host_type()) {
    case urls::host_type::ipv4:
      return url.host_ipv4_address().to_string();
    case urls::host_type::ipv6:
      return url.host_ipv6_address().to_string();
    case urls::host_type::ipvfuture:
      reject(fmt::format("IP literal{} is not supported (IPv4 or IPv6 only)", shown));
    case urls::host_type::name:
    case urls::host_type::none:
      break;
  }
  std::string name = url.host_name();  // percent-decoded
  if (name.empty()) reject("missing host");
  std::transform(name.begin(), name.end(), name.begin(), to_lower);
  if (!std::all_of(name.begin(), name.end(), is_host_name_char)) {
    reject(
        fmt::format("host name{} may hold only letters, digits, '-', '.' and '_' (an "
                    "international name in its xn-- form)",
                    shown));
  }
  return name;
}

std::uint16_t port_of(const urls::url_view& url, bool tls, const Reject& reject) {
  if (!url.has_port()) return tls ? 443 : 80;
  const std::string_view digits = url.port();
  if (digits.empty()) reject("empty port after ':' (leave ':' out for the default)");
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size() || value == 0 || value > 65535) {
    reject(reject.shows(digits) ? fmt::format("port {} is out of range (1-65535)", digits)
                                : std::string("the port is out of range (1-65535)"));
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

bool Url::host_is_ip_literal() const {
  return urls::parse_ipv4_address(host).has_value() || urls::parse_ipv6_address(host).has_value();
}

std::string Url::host_header() const {
  std::string value;
  append_host_header(value);
  return value;
}

void Url::append_host_header(std::string& out) const {
  // Appended rather than formatted: this runs once per request sent.
  const bool default_port = (is_tls() && port == 443) || (!is_tls() && port == 80);
  const bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  if (!default_port) {
    const fmt::format_int digits(port);
    out.append(":").append(digits.data(), digits.size());
  }
}

std::string Url::request_target(std::string_view path) const {
  std::string target;
  append_request_target(target, path);
  return target;
}

void Url::append_request_target(std::string& out, std::string_view path) const {
  out += path_prefix;
  out += path;
  if (!query.empty()) {
    out += path.find('?') == std::string_view::npos ? '?' : '&';
    out += query;
  }
}

std::string Url::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}:{}{}", scheme, ipv6 ? fmt::format("[{}]", host) : host, port,
                     path_prefix);
}

Url parse_url(std::string_view text) {
  Reject reject(text);
  const auto parsed = urls::parse_uri(text);
  if (!parsed) reject_unparsed(text, reject);
  const urls::url_view& url = *parsed;
  reject.found(url);
  if (!url.has_authority()) reject(fmt::format("missing scheme or host: {}", kExpected));

  Url out;
  out.scheme = url.scheme();
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(), to_lower);
  if (out.scheme != "http" && out.scheme != "https") {
    reject(fmt::format("unsupported scheme '{}' (use http or https)", url.scheme()));
  }
  if (url.has_userinfo()) {
    reject(
        "credentials in the URL are not supported: pass a key with {api_key} or a header with "
        "{header}");
  }
  if (url.has_fragment()) reject("a fragment ('#...') is never sent to a server; remove it");
  if (text.find('@', url.encoded_host_and_port().data() - text.data()) != std::string_view::npos) {
    // Valid in a path or query, but far more often a password with a '/' or '?' in it.
    reject(
        "an '@' after the host must be percent-encoded as %40 (credentials, 'user:password@', "
        "are not supported)");
  }

  std::string_view path = url.encoded_path();
  if (!path.empty() && path.front() != '/') {
    // Boost.URL 1.81 reads "h:80x/v1" as port "80" and path "x/v1"; RFC 3986 allows no such path.
    if (!url.has_port()) reject("expected ':PORT' or '/' after the host");
    const std::string_view port = url.port();
    const std::size_t slash = std::min(path.find('/'), path.size());
    const std::string_view written(port.data(), path.data() + slash - port.data());
    if (!reject.shows(written)) {
      reject("the port is not a number; credentials ('user:password@') are not supported anyway");
    }
    reject(fmt::format("port '{}' is not a number", written));
  }
  out.host = host_of(url, reject);
  out.port = port_of(url, out.is_tls(), reject);

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.ends_with("/v1")) path.remove_suffix(3);
  out.path_prefix = std::string(path);
  out.query = std::string(url.encoded_query());
  return out;
}

}  // namespace llmpace::http
