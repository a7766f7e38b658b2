#include "llmpace/prom/push.hpp"

#include <catch2/catch.hpp>
#include <chrono>

#include "llmpace/core/error.hpp"
#include "unit/prom/loopback_server.hpp"
#include "unit/report/sample_report.hpp"

namespace llmpace::prom {
namespace {

const Grouping kGrouping{.suite = "s", .variant = "org/model", .scenario = "chat"};
const RunInfo kInfo{.model = "org/model", .labels = {{"quantization", "bf16"}}};

TEST_CASE("push_report PUTs the exposition text to the grouping path under the URL's prefix") {
  test::LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  const http::Url gateway = parse_push_gateway(server.url() + "/gateway/");
  const PushResult result = push_report(gateway, kGrouping, test::sample_report(), kInfo, 1e9);
  const std::string request = server.request();
  CHECK(result.method == "PUT");
  CHECK(result.http_status == 200);
  CHECK(result.url == server.url() +
                          "/gateway/metrics/job/llmpace/suite/s/variant@base64/b3JnL21vZGVs"
                          "/scenario/chat");
  CHECK_THAT(request, Catch::StartsWith("PUT /gateway/metrics/job/llmpace/suite/s/variant@base64/"
                                        "b3JnL21vZGVs/scenario/chat HTTP/1.1\r\n"));
  CHECK_THAT(request,
             Catch::Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  CHECK_THAT(request, Catch::Contains("\r\n\r\n# HELP llmpace_ttft_seconds "));
  CHECK_THAT(request, Catch::Contains("llmpace_last_success_timestamp_seconds{"));
}

TEST_CASE("an HTTP error from the gateway is one RunError line with the status and reason") {
  const std::string body = "pushed metrics are invalid\nsecond line";
  test::LoopbackServer server("HTTP/1.1 400 Bad Request\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK_THROWS_MATCHES(
      push_report(parse_push_gateway(server.url()), kGrouping, test::sample_report(), kInfo, 1e9),
      RunError,
      Catch::Message("push to " + server.url() +
                     "/metrics/job/llmpace/suite/s/variant@base64/b3JnL21vZGVs/scenario/chat "
                     "failed: HTTP 400: pushed metrics are invalid"));
}

TEST_CASE("a gateway that does not answer fails the push when its timeout passes") {
  test::LoopbackServer server("");  // reads the request, never answers
  PushOptions options;
  options.timeout = Milliseconds{300};
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(push_report(parse_push_gateway(server.url()), kGrouping, test::sample_report(),
                              kInfo, 1e9, options),
                  RunError);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK_THAT(server.request(), Catch::StartsWith("PUT /metrics/job/llmpace/"));
}

TEST_CASE("a gateway nobody listens on fails the push with a RunError") {
  std::string url;
  {
    test::LoopbackServer closed("x");
    url = closed.url();
  }  // the port is free again: connections are refused
  CHECK_THROWS_WITH(
      push_report(parse_push_gateway(url), kGrouping, test::sample_report(), kInfo, 1e9),
      Catch::StartsWith("push to " + url + "/metrics/job/llmpace/") && Catch::Contains("failed: "));
}

TEST_CASE("parse_push_gateway refuses credentials without repeating them") {
  CHECK_THROWS_MATCHES(parse_push_gateway("http://user:secret@gateway:9091"), ConfigError,
                       Catch::Message("invalid URL 'http://***@gateway:9091': credentials in the "
                                      "URL are not supported"));
  CHECK_THROWS_AS(parse_push_gateway("ftp://gateway"), ConfigError);
  CHECK(parse_push_gateway("http://gateway:9091").port == 9091);
}

TEST_CASE("bad info labels are refused before anything is sent") {
  const RunInfo bad{.model = "m", .labels = {{"variant", "x"}}};
  CHECK_THROWS_AS(push_report(parse_push_gateway("http://127.0.0.1:1"), kGrouping,
                              test::sample_report(), bad, 1e9),
                  ConfigError);
}

}  // namespace
}  // namespace llmpace::prom
