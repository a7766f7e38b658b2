#include "llmpace/http/url.hpp"

#include <catch2/catch.hpp>

#include "llmpace/core/error.hpp"

using llmpace::ConfigError;
using llmpace::http::parse_url;

TEST_CASE("parse_url splits scheme, host, port and prefix") {
  auto url = parse_url("http://127.0.0.1:8000");
  CHECK(url.scheme == "http");
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 8000);
  CHECK(url.path_prefix.empty());
  CHECK_FALSE(url.is_tls());
  CHECK(url.host_is_ip_literal());
  CHECK(url.host_header() == "127.0.0.1:8000");

  url = parse_url("https://vllm.example/serving/v1/");
  CHECK(url.is_tls());
  CHECK(url.port == 443);
  CHECK(url.path_prefix == "/serving");
  CHECK(url.host_header() == "vllm.example");
  CHECK_FALSE(url.host_is_ip_literal());

  url = parse_url("http://[::1]:9000/v1");
  CHECK(url.host == "::1");
  CHECK(url.port == 9000);
  CHECK(url.path_prefix.empty());
  CHECK(url.host_header() == "[::1]:9000");
  CHECK(url.host_is_ip_literal());
}

TEST_CASE("parse_url rejects what it cannot use with a reason") {
  CHECK_THROWS_WITH(parse_url("localhost:8000"), Catch::Contains("expected http://"));
  CHECK_THROWS_WITH(parse_url("ftp://x"), Catch::Contains("unsupported scheme"));
  CHECK_THROWS_WITH(parse_url("http://:80"), Catch::Contains("missing host"));
  CHECK_THROWS_WITH(parse_url("http://h:0"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_url("http://h:99999"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_url("http://h:80x"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_url("http://h:"), Catch::Contains("empty port"));
  CHECK_THROWS_WITH(parse_url("http://u:p@h"), Catch::Contains("credentials"));
  CHECK_THROWS_AS(parse_url("http://[::1"), ConfigError);
}
