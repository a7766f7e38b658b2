#include "llmpace/http/url.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"

using Catch::Contains;
using llmpace::ConfigError;
using llmpace::http::parse_url;

namespace {

/// The message parse_url throws for `text` ("" when it does not throw).
std::string error_of(std::string_view text) {
  try {
    parse_url(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("parse_url splits scheme, host, port and prefix") {
  auto url = parse_url("http://127.0.0.1:8000");
  CHECK(url.scheme == "http");
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 8000);
  CHECK(url.path_prefix.empty());
  CHECK(url.query.empty());
  CHECK_FALSE(url.is_tls());
  CHECK(url.host_is_ip_literal());
  CHECK(url.host_header() == "127.0.0.1:8000");
  CHECK(url.to_string() == "http://127.0.0.1:8000");
  CHECK(url.request_target("/v1/models") == "/v1/models");

  url = parse_url("https://vllm.example/serving/v1/");
  CHECK(url.is_tls());
  CHECK(url.port == 443);
  CHECK(url.path_prefix == "/serving");
  CHECK(url.host_header() == "vllm.example");
  CHECK_FALSE(url.host_is_ip_literal());
}

TEST_CASE("parse_url: default ports, and an explicit default port is left out of Host") {
  CHECK(parse_url("http://h").port == 80);
  CHECK(parse_url("https://h").port == 443);
  CHECK(parse_url("http://h:80").host_header() == "h");
  CHECK(parse_url("https://h:443").host_header() == "h");
  CHECK(parse_url("https://h:80").host_header() == "h:80");
  CHECK(parse_url("http://h:443").host_header() == "h:443");
  CHECK(parse_url("http://h:1").port == 1);
  CHECK(parse_url("http://h:65535").port == 65535);
  CHECK(parse_url("https://h").to_string() == "https://h:443");
}

TEST_CASE("parse_url: IPv6 literals connect without brackets and show with them") {
  auto url = parse_url("http://[::1]:8000/v1");
  CHECK(url.host == "::1");
  CHECK(url.port == 8000);
  CHECK(url.path_prefix.empty());
  CHECK(url.host_is_ip_literal());
  CHECK(url.host_header() == "[::1]:8000");
  CHECK(url.to_string() == "http://[::1]:8000");

  url = parse_url("https://[2001:DB8:0:0::1]/ns");  // canonical, lower case
  CHECK(url.host == "2001:db8::1");
  CHECK(url.host_header() == "[2001:db8::1]");
  CHECK(url.to_string() == "https://[2001:db8::1]:443/ns");
  CHECK(url.host_is_ip_literal());

  CHECK(parse_url("http://[::ffff:127.0.0.1]").host_is_ip_literal());
}

TEST_CASE("parse_url: scheme and host name are lower-cased, the path is not") {
  const auto url = parse_url("HTTPS://Gateway.EXAMPLE:8443/NS/Model");
  CHECK(url.scheme == "https");
  CHECK(url.is_tls());
  CHECK(url.host == "gateway.example");
  CHECK(url.host_header() == "gateway.example:8443");
  CHECK(url.path_prefix == "/NS/Model");
  // A percent-encoded host name is decoded (a resolver needs the name itself).
  CHECK(parse_url("http://ex%41mple.test").host == "example.test");
  CHECK(parse_url("http://my_host.internal").host == "my_host.internal");
}

TEST_CASE("parse_url keeps the path of a prefixed base URL and builds request targets on it") {
  auto url = parse_url("https://gateway.example/ns/model/v1");
  CHECK(url.path_prefix == "/ns/model");
  CHECK(url.request_target("/v1/chat/completions") == "/ns/model/v1/chat/completions");
  CHECK(url.to_string() == "https://gateway.example:443/ns/model");

  // Today's rule for the end of the path: trailing slashes go, then one trailing "/v1".
  for (const char* same : {"https://g/ns/model", "https://g/ns/model/", "https://g/ns/model/v1",
                           "https://g/ns/model/v1/", "https://g/ns/model//"}) {
    CAPTURE(same);
    CHECK(parse_url(same).path_prefix == "/ns/model");
  }
  for (const char* root : {"https://g", "https://g/", "https://g/v1", "https://g/v1/"}) {
    CAPTURE(root);
    CHECK(parse_url(root).path_prefix.empty());
  }
  CHECK(parse_url("https://g/v1/v1").path_prefix == "/v1");
  CHECK(parse_url("https://g/api/v10").path_prefix == "/api/v10");
}

TEST_CASE("parse_url keeps percent-encoding in the path as sent") {
  const auto url = parse_url("http://h/models/org%2Fname/a%20b/v1");
  CHECK(url.path_prefix == "/models/org%2Fname/a%20b");
  CHECK(url.request_target("/v1/models") == "/models/org%2Fname/a%20b/v1/models");
  CHECK(parse_url("http://h/%7Euser").path_prefix == "/%7Euser");  // not normalised to '~'
}

TEST_CASE("parse_url keeps the query and appends it to every request target") {
  auto url = parse_url("https://az.example/openai/v1?api-version=2024-10-21&x=a%26b");
  CHECK(url.path_prefix == "/openai");
  CHECK(url.query == "api-version=2024-10-21&x=a%26b");
  CHECK(url.request_target("/v1/chat/completions") ==
        "/openai/v1/chat/completions?api-version=2024-10-21&x=a%26b");
  CHECK(url.request_target("/v1/models?limit=1") ==
        "/openai/v1/models?limit=1&api-version=2024-10-21&x=a%26b");
  CHECK(url.to_string() == "https://az.example:443/openai");  // the query is not printed

  url = parse_url("http://h?k=v");  // a query with no path
  CHECK(url.path_prefix.empty());
  CHECK(url.request_target("/v1/models") == "/v1/models?k=v");
  CHECK(parse_url("http://h/?").request_target("/v1/models") == "/v1/models");  // empty query
}

TEST_CASE("parse_url: errors are one line that names the URL and what to change") {
  CHECK(error_of("http://h:70000") ==
        "invalid URL 'http://h:70000': port 70000 is out of range (1-65535)");
  CHECK(error_of("http://h:0/v1") ==
        "invalid URL 'http://h:0/v1': port 0 is out of range (1-65535)");
  CHECK_THAT(error_of("http://h:65536"), Contains("port 65536 is out of range"));
  CHECK_THAT(error_of("http://h:99999999999999999999"),
             Contains("port 99999999999999999999 is out of range"));
  CHECK_THAT(error_of("http://h:80x"), Contains("port '80x' is not a number"));
  CHECK_THAT(error_of("http://h:80x/v1"), Contains("port '80x' is not a number"));
  CHECK_THAT(error_of("http://h:http"), Contains("port 'http' is not a number"));
  CHECK_THAT(error_of("http://[::1]:x"), Contains("port 'x' is not a number"));
  CHECK_THAT(error_of("http://h:"), Contains("empty port"));
  CHECK_THAT(error_of("http://[::1]x"), Contains("expected ':PORT' or '/' after the host"));

  CHECK_THAT(error_of("localhost:8000"), Contains("missing scheme or host: expected http://"));
  CHECK_THAT(error_of("127.0.0.1:8000"), Contains("missing scheme or host: expected http://"));
  CHECK_THAT(error_of("vllm.example/v1"), Contains("missing scheme or host"));
  CHECK_THAT(error_of("http:vllm"), Contains("missing scheme or host"));
  CHECK_THAT(error_of(""), Contains("missing scheme or host"));
  CHECK(error_of("ftp://x") ==
        "invalid URL 'ftp://x': unsupported scheme 'ftp' (use http or https)");
  CHECK_THAT(error_of("ws://x"), Contains("unsupported scheme 'ws'"));

  CHECK_THAT(error_of("http://:80"), Contains("missing host"));
  CHECK_THAT(error_of("http:///v1"), Contains("missing host"));
  CHECK_THAT(error_of("http://[::1"), Contains("IPv6"));
  CHECK_THAT(error_of("http://[fe80::1%25eth0]/"), Contains("zone IDs are not supported"));
  CHECK_THAT(error_of("http://[v1.x]/"), Contains("IP literal '[v1.x]' is not supported"));
  CHECK_THAT(error_of("http://a,b/"), Contains("host name 'a,b' may hold only"));

  CHECK_THAT(error_of("http://h/a b"), Contains("a space must be percent-encoded as %20"));
  CHECK_THAT(error_of("http://h/50%"), Contains("'%' must start a percent-encoding"));
  CHECK_THAT(error_of("http://h/a|b"), Contains("'|' must be percent-encoded as %7C"));
  CHECK_THAT(error_of("http://h/caf\xc3\xa9"), Contains("non-ASCII"));
  CHECK_THAT(error_of("http://h/a\tb"), Contains("control character"));

  for (const char* bad : {"http://h:70000", "localhost:8000", "http://h/a b", "http://[::1"}) {
    CAPTURE(bad);
    CHECK(error_of(bad).find('\n') == std::string::npos);
  }
}

TEST_CASE("parse_url refuses an '@' after the host (percent-encoded it passes)") {
  CHECK_THAT(error_of("http://h/models/@org"), Contains("must be percent-encoded as %40"));
  CHECK_THAT(error_of("http://h/v1?user=a@b"), Contains("must be percent-encoded as %40"));
  CHECK(parse_url("http://h/models/%40org").path_prefix == "/models/%40org");
  CHECK(parse_url("http://h/v1?user=a%40b").query == "user=a%40b");
}

TEST_CASE("parse_url refuses fragments") {
  CHECK(error_of("http://h/v1#top") ==
        "invalid URL 'http://h/v1#top': a fragment ('#...') is never sent to a server; remove it");
  CHECK_THAT(error_of("http://h#"), Contains("fragment"));
}

TEST_CASE("parse_url refuses credentials and never repeats them") {
  const std::string message = error_of("https://alice:s3cret@gw.example/v1");
  CHECK(message ==
        "invalid URL 'https://***@gw.example/v1': credentials in the URL are not supported: pass "
        "a key with {api_key} or a header with {header}");
  CHECK_THAT(error_of("http://tok3n@h"), Contains("'http://***@h'"));
  CHECK_THAT(error_of("http://@h"), Contains("credentials"));

  // Whatever else is wrong, the secret is not in the message.
  for (const char* bad :
       {"https://alice:s3cret@gw.example:70000/", "ftp://alice:s3cret@gw.example/",
        "https://alice:s3cret@gw.example/a b", "https://alice:s3c ret@gw.example/",
        "https://alice:s3c/ret@gw.example/", "https://alice:s3cret@gw.example/#x",
        "https://alice:s3cret%@gw.example/", "alice:s3cret@gw.example"}) {
    CAPTURE(bad);
    const std::string error = error_of(bad);
    CHECK_THAT(error, Contains("invalid URL"));
    CHECK(error.find("s3c") == std::string::npos);
    CHECK(error.find("alice") == std::string::npos);
  }
}
