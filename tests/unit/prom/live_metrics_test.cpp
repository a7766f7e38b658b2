#include "llmpace/prom/live_metrics.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>

#include "llmpace/core/error.hpp"
#include "unit/metrics/record_factory.hpp"

namespace llmpace::prom {
namespace {

/// GET /metrics from 127.0.0.1:port with HTTP/1.0; the whole response.
std::string get_metrics(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return response;
}

plan::RunPlan plan_with_model(std::string model) {
  plan::RunPlan plan;
  plan.target.model = std::move(model);
  return plan;
}

/// `name{labels}` of the first test's series, labels sorted by name as prometheus-cpp writes them.
std::string series(const std::string& name, std::map<std::string, std::string> extra = {}) {
  extra.insert({{"model", "m"}, {"scenario", "chat"}, {"suite", "adhoc"}, {"variant", "m"}});
  std::string text = name + "{";
  for (const auto& [label, value] : extra) {
    text += (text.back() == '{' ? "" : ",") + label + "=\"" + value + "\"";
  }
  return text + "} ";
}

/// A histogram's cumulative bucket sample: prometheus-cpp writes the le label last.
std::string bucket(const std::string& name, const std::string& le) {
  std::string text = series(name + "_bucket");
  return text.substr(0, text.size() - 2) + ",le=\"" + le + "\"} ";
}

TEST_CASE("live metrics count records by outcome and error kind and serve them on /metrics") {
  LiveMetrics live;
  live.start("127.0.0.1", 0);
  REQUIRE(live.port() != 0);
  CHECK(live.url() == "http://127.0.0.1:" + std::to_string(live.port()) + "/metrics");

  const plan::RunPlan plan = plan_with_model("m");
  live.begin_run(Grouping{.suite = "adhoc", .variant = "", .scenario = "chat"}, plan);
  live.on_benchmark_start(1, 3, profile::ProfileSpec{});
  live.on_record(test::with_usage(test::successful_record(0, 10, {100, 120, 150}, 160), 7),
                 test::kBase, 1);
  live.on_record(test::errored_record(5, ErrorKind::rate_limited, 6), test::kBase, 1);
  live.on_record(test::errored_record(7, ErrorKind::rate_limited, 8), test::kBase, 1);
  metrics::ProgressSnapshot snapshot;
  snapshot.elapsed_s = 5;
  snapshot.max_seconds = 20;
  snapshot.in_flight = 4;
  live.on_progress(snapshot);

  const std::string text = get_metrics(live.port());
  CHECK_THAT(text, Catch::StartsWith("HTTP/1.1 200 OK"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_benchmark_index") + "2\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_benchmarks") + "3\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_benchmark_running") + "1\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_benchmark_progress_ratio") + "0.25\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_requests_in_flight") + "4\n"));
  CHECK_THAT(text, Catch::Contains(
                       series("llmpace_live_requests_total", {{"outcome", "successful"}}) + "1\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_requests_total", {{"outcome", "errored"}}) +
                                   "2\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 series("llmpace_live_request_errors_total", {{"kind", "rate_limited"}}) + "2\n"));
  CHECK_THAT(text, Catch::Contains(
                       series("llmpace_live_request_errors_total", {{"kind", "connect"}}) + "0\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_output_tokens_total") + "7\n"));
  // TTFT 100 ms; ITL gaps 20 and 30 ms, both in vLLM's (0.01, 0.025] and (0.025, 0.05] buckets.
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_ttft_seconds_count") + "1\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_ttft_seconds", "0.08") + "0\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_ttft_seconds", "0.1") + "1\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_itl_seconds_count") + "2\n"));
  CHECK_THAT(text, Catch::Contains(series("llmpace_live_itl_seconds_sum") + "0.05\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_itl_seconds", "0.01") + "0\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_itl_seconds", "0.025") + "1\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_itl_seconds", "0.05") + "2\n"));
  CHECK_THAT(text, Catch::Contains(bucket("llmpace_live_itl_seconds", "+Inf") + "2\n"));
  live.end_run();
  live.on_record(test::errored_record(9, ErrorKind::connect, 10), test::kBase, 1);  // ignored
  const std::string after = get_metrics(live.port());
  CHECK_THAT(after, Catch::Contains(series("llmpace_live_benchmark_running") + "0\n"));
  CHECK_THAT(
      after,
      Catch::Contains(series("llmpace_live_request_errors_total", {{"kind", "connect"}}) + "0\n"));
  live.stop();
  CHECK(live.port() == 0);
}

TEST_CASE("live metrics keep separate series per variant and scenario") {
  LiveMetrics live;
  live.start("127.0.0.1", 0);
  const plan::RunPlan plan = plan_with_model("m");
  for (const char* variant : {"bf16", "int4"}) {
    live.begin_run(Grouping{.suite = "s", .variant = variant, .scenario = "chat"}, plan);
    live.on_benchmark_start(0, 1, profile::ProfileSpec{});
    live.on_record(test::successful_record(0, 10, {100}, 110), test::kBase, 0);
    live.end_run();
  }
  const std::string text = get_metrics(live.port());
  for (const char* variant : {"bf16", "int4"}) {
    CHECK_THAT(text, Catch::Contains(std::string("llmpace_live_requests_total{model=\"m\","
                                                 "outcome=\"successful\",scenario=\"chat\","
                                                 "suite=\"s\",variant=\"") +
                                     variant + "\"} 1\n"));
  }
}

TEST_CASE("live metrics refuse an address that is not an IPv4 literal or a port in use") {
  LiveMetrics live;
  CHECK_THROWS_WITH(live.start("localhost", 0), Catch::Contains("not an IPv4 address"));
  CHECK_THROWS_WITH(live.start("::1", 0), Catch::Contains("without IPv6"));
  LiveMetrics first;
  first.start("127.0.0.1", 0);
  CHECK_THROWS_AS(live.start("127.0.0.1", first.port()), ConfigError);
}

}  // namespace
}  // namespace llmpace::prom
