// Prometheus export, end to end: `llmpace benchmark --push-gateway` against Debian's real
// prometheus-pushgateway, scraped by Debian's real prometheus (honor_labels, 1 s), and the values
// PromQL returns compared with the JSON report; a run in which nothing succeeds keeps the last
// success; and --metrics-port scraped while a run goes on, its counters equal to the report's
// totals at the end. The tools are required: a missing one fails the test.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

constexpr auto kToolStart = std::chrono::seconds(30);

std::string percent_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

/// Debian's Pushgateway and a Prometheus that scrapes it every second, on loopback ports.
struct PrometheusStack {
  std::unique_ptr<ChildProcess> pushgateway;
  std::unique_ptr<ChildProcess> prometheus;
  std::string pushgateway_url;
  std::string prometheus_url;
};

PrometheusStack start_prometheus_stack(const ScratchDir& scratch) {
  for (const char* tool : {"/usr/bin/prometheus-pushgateway", "/usr/bin/prometheus"}) {
    INFO(tool << " is missing: run scripts/install-deps.sh");
    REQUIRE(std::filesystem::exists(tool));
  }
  PrometheusStack stack;
  const std::uint16_t gateway_port = unused_loopback_port();
  std::uint16_t prometheus_port = unused_loopback_port();
  while (prometheus_port == gateway_port) prometheus_port = unused_loopback_port();
  const std::string gateway_address = "127.0.0.1:" + std::to_string(gateway_port);
  stack.pushgateway = std::make_unique<ChildProcess>(
      "/usr/bin/prometheus-pushgateway",
      std::vector<std::string>{"--web.listen-address=" + gateway_address, "--persistence.file="});
  REQUIRE(stack.pushgateway->wait_for_stderr_line("Listening on", kToolStart));
  stack.pushgateway_url = "http://" + gateway_address;

  const std::string config = scratch.file("prometheus.yml");
  std::ofstream(config) << "global:\n"
                           "  scrape_interval: 1s\n"
                           "  evaluation_interval: 1s\n"
                           "scrape_configs:\n"
                           "  - job_name: pushgateway\n"
                           "    honor_labels: true\n"
                           "    static_configs:\n"
                           "      - targets: ['"
                        << gateway_address << "']\n";
  const std::string prometheus_address = "127.0.0.1:" + std::to_string(prometheus_port);
  stack.prometheus = std::make_unique<ChildProcess>(
      "/usr/bin/prometheus",
      std::vector<std::string>{"--config.file=" + config,
                               "--storage.tsdb.path=" + scratch.file("tsdb"),
                               "--web.listen-address=" + prometheus_address});
  REQUIRE(stack.prometheus->wait_for_stderr_line("Server is ready to receive web requests",
                                                 kToolStart));
  stack.prometheus_url = "http://" + prometheus_address;
  return stack;
}

/// The result vector of the instant query `promql`.
nlohmann::json query(const PrometheusStack& stack, const std::string& promql) {
  const auto answer = nlohmann::json::parse(
      http_get(stack.prometheus_url, "/api/v1/query?query=" + percent_encode(promql)));
  REQUIRE(answer.at("status") == "success");
  return answer.at("data").at("result");
}

/// Polls `promql` until `done(result)` holds (Prometheus scrapes every second); the last result.
template <typename Done>
nlohmann::json query_until(const PrometheusStack& stack, const std::string& promql, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  nlohmann::json result = query(stack, promql);
  while (!done(result) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // between polls, not a wait
    result = query(stack, promql);
  }
  INFO(promql << " -> " << result.dump());
  REQUIRE(done(result));
  return result;
}

double value_of(const nlohmann::json& series) {
  return std::stod(series.at("value").at(1).get<std::string>());
}

/// Equal to the precision the exposition text carries (16 significant digits) and the JSON
/// report's rounding.
bool same_figure(double pushed, double reported) {
  return std::abs(pushed - reported) <= 1e-9 * std::max(std::abs(pushed), std::abs(reported));
}

/// Series of `result` by their `benchmark` label.
std::map<std::string, nlohmann::json> by_benchmark(const nlohmann::json& result) {
  std::map<std::string, nlohmann::json> series;
  for (const auto& one : result) series[one.at("metric").at("benchmark")] = one;
  return series;
}

/// A loopback port that accepts connections (the kernel's backlog) and never answers: a
/// Pushgateway that hangs until close().
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by llmpace
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(); }
  /// Closes the connections it holds (the client sees its connection closed) and itself.
  void close() {
    if (fd_ < 0) return;
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
    for (int connection; (connection = ::accept(fd_, nullptr, nullptr)) >= 0;) ::close(connection);
    ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE(
    "Prometheus scraping the Pushgateway returns the pushed report's TTFT p99 and output "
    "tok/s, under the grouping labels") {
  ScratchDir scratch;
  const PrometheusStack stack = start_prometheus_stack(scratch);
  const std::string scenario = scratch.file("chat.yaml");
  std::ofstream(scenario) << "data: prompt_tokens=32,output_tokens=24\nmax_requests: 12\n";

  const auto run =
      run_to_exit(llmpace_binary(),
                  {"benchmark", "--scenario", scenario, "--target", "sim", "--model", "org/model",
                   "--profile", "concurrent", "--rate", "1,3", "--sim-itl-ms", "2",
                   "--push-gateway", stack.pushgateway_url, "--output", scratch.file("x.json")});
  INFO(run.stderr_text);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.stderr_text, Contains("llmpace: pushed to " + stack.pushgateway_url +
                                       "/metrics/job/llmpace/suite/adhoc/variant@base64/"));
  const auto report = read_json_file(scratch.file("x.json"));
  REQUIRE(report.at("benchmarks").size() == 2);

  const auto has_two = [](const nlohmann::json& result) { return result.size() == 2; };
  const auto ttft =
      by_benchmark(query_until(stack, "llmpace_ttft_seconds{quantile=\"0.99\"}", has_two));
  const auto output = by_benchmark(query_until(stack, "llmpace_output_tokens_per_second", has_two));
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& benchmark = report.at("benchmarks").at(i);
    const std::string position = std::to_string(i + 1);
    REQUIRE(ttft.count(position) == 1);
    REQUIRE(output.count(position) == 1);
    const auto& labels = ttft.at(position).at("metric");
    CHECK(labels.at("job") == "llmpace");
    CHECK(labels.at("suite") == "adhoc");
    CHECK(labels.at("variant") == "org/model");
    CHECK(labels.at("scenario") == "chat");
    CHECK(labels.at("model") == "org/model");
    CHECK(labels.at("profile") == "concurrent");
    CHECK_FALSE(labels.contains("exported_job"));  // honor_labels kept the pushed job
    const double reported_ttft_s =
        benchmark.at("metrics").at("ttft_ms").at("p99").get<double>() / 1000;
    const double reported_output =
        benchmark.at("throughput").at("output_tokens_per_s").get<double>();
    INFO("benchmark " << position << ": pushed " << value_of(ttft.at(position)) << " s, "
                      << value_of(output.at(position)) << " tok/s");
    CHECK(same_figure(value_of(ttft.at(position)), reported_ttft_s));
    CHECK(same_figure(value_of(output.at(position)), reported_output));
  }
  const auto successful =
      query_until(stack, "sum(llmpace_requests_total{outcome=\"successful\"})",
                  [](const nlohmann::json& result) { return result.size() == 1; });
  CHECK(value_of(successful.at(0)) == 24);
  const auto last_success = query_until(stack, "llmpace_last_success_timestamp_seconds",
                                        [](const nlohmann::json& r) { return r.size() == 1; });
  const double success_time = value_of(last_success.at(0));

  SECTION("a later run in which nothing succeeds adds its failure time and keeps the rest") {
    auto failing = start_sim_process({"--fail-rate", "1"});
    const auto failed = run_to_exit(
        llmpace_binary(), {"benchmark", "--scenario", scenario, "--target", failing.url, "--model",
                           "org/model", "--max-requests", "3", "--push-gateway",
                           stack.pushgateway_url, "--output", scratch.file("failed.json")});
    INFO(failed.stderr_text);
    CHECK(failed.exit_code == 1);  // no request succeeded
    const auto failure = query_until(stack, "llmpace_last_failure_timestamp_seconds",
                                     [](const nlohmann::json& r) { return r.size() == 1; });
    CHECK(value_of(failure.at(0)) > success_time);
    CHECK(failure.at(0).at("metric").at("scenario") == "chat");
    // The last successful run's figures and success time are still in the group.
    const auto kept = query(stack, "llmpace_last_success_timestamp_seconds");
    REQUIRE(kept.size() == 1);
    CHECK(value_of(kept.at(0)) == success_time);
    CHECK(query(stack, "llmpace_ttft_seconds{quantile=\"0.99\"}").size() == 2);
    stop_sim_process(failing);
  }
}

TEST_CASE(
    "live metrics on --metrics-port count during the run and end equal to the report's "
    "totals") {
  ScratchDir scratch;
  SilentListener hanging_gateway;  // holds the run after its report is written
  ChildProcess benchmark(llmpace_binary(), {"benchmark",
                                            "--target",
                                            "sim",
                                            "--model",
                                            "m",
                                            "--profile",
                                            "concurrent",
                                            "--rate",
                                            "4",
                                            "--max-requests",
                                            "40",
                                            "--data",
                                            "prompt_tokens=16,output_tokens=20",
                                            "--sim-ttft-ms",
                                            "20",
                                            "--sim-itl-ms",
                                            "15",
                                            "--metrics-port",
                                            "0",
                                            "--metrics-address",
                                            "127.0.0.1",
                                            "--push-gateway",
                                            hanging_gateway.url(),
                                            "--output",
                                            scratch.file("r.json")});
  const auto line = benchmark.wait_for_stderr_line("live metrics on", std::chrono::seconds(30));
  REQUIRE(line);
  std::smatch match;
  REQUIRE(std::regex_search(*line, match, std::regex("(http://127\\.0\\.0\\.1:[0-9]+)/metrics")));
  const std::string live_url = match[1];
  const std::string series_labels =
      "{model=\"m\",scenario=\"adhoc\",suite=\"adhoc\",variant=\"m\"}";
  const auto successful_series =
      "llmpace_live_requests_total{model=\"m\",outcome=\"successful\",scenario=\"adhoc\","
      "suite=\"adhoc\",variant=\"m\"}";

  // During the run: requests in flight, and the successful count rising, never past 40.
  bool saw_in_flight = false;
  bool saw_successful_mid_run = false;  // some but not all 40 done, seen by a poll
  double last_successful = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(scratch.file("r.json")) &&
         std::chrono::steady_clock::now() < deadline) {
    const std::string text = http_get(live_url, "/metrics");
    const auto running = prometheus_value(text, "llmpace_live_benchmark_running" + series_labels);
    const auto in_flight =
        prometheus_value(text, "llmpace_live_requests_in_flight" + series_labels);
    if (running == 1.0 && in_flight && *in_flight > 0) saw_in_flight = true;
    if (const auto successful = prometheus_value(text, successful_series)) {
      CHECK(*successful >= last_successful);
      CHECK(*successful <= 40);
      if (*successful > 0 && *successful < 40) saw_successful_mid_run = true;
      last_successful = *successful;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // between polls, not a wait
  }
  REQUIRE(std::filesystem::exists(scratch.file("r.json")));
  CHECK(saw_in_flight);
  // Seen rising at least once before the end. (Not the last poll's value: on a busy machine the
  // last poll before the report appeared can already see all 40.)
  CHECK(saw_successful_mid_run);

  // The report is written; the push now hangs, so the final live values can be read.
  const auto report = read_json_file(scratch.file("r.json"));
  const auto& requests = report.at("benchmarks").at(0).at("requests");
  const auto& metrics = report.at("benchmarks").at(0).at("metrics");
  const std::string text = http_get(live_url, "/metrics");
  CHECK(prometheus_value(text, successful_series) == requests.at("successful").get<double>());
  CHECK(requests.at("successful") == 40);
  CHECK(prometheus_value(text,
                         "llmpace_live_requests_total{model=\"m\",outcome=\"errored\","
                         "scenario=\"adhoc\",suite=\"adhoc\",variant=\"m\"}") ==
        requests.at("errored").get<double>());
  CHECK(prometheus_value(text, "llmpace_live_ttft_seconds_count" + series_labels) ==
        metrics.at("ttft_ms").at("count").get<double>());
  const double output_tokens = metrics.at("output_tokens").at("mean").get<double>() *
                               metrics.at("output_tokens").at("count").get<double>();
  CHECK(prometheus_value(text, "llmpace_live_output_tokens_total" + series_labels) ==
        Approx(output_tokens));
  CHECK(prometheus_value(text, "llmpace_live_benchmark_running" + series_labels) == 0.0);
  CHECK(prometheus_value(text, "llmpace_live_benchmark_index" + series_labels) == 1.0);

  // The gateway goes away: the push fails with a warning, and the run still succeeds.
  hanging_gateway.close();
  const auto exit_code = benchmark.wait_for_exit(std::chrono::seconds(60));
  INFO(benchmark.stderr_text());
  CHECK(exit_code == 0);
  CHECK_THAT(benchmark.stderr_text(),
             Contains("llmpace: warning: push to " + hanging_gateway.url() + "/metrics/job/"));
  CHECK(read_json_file(scratch.file("r.json")) == report);
}

TEST_CASE(
    "after a suite run of two simulator variants, PromQL returns each variant's TTFT p99 and "
    "output tok/s from its report, with the variant's labels") {
  ScratchDir scratch;
  const PrometheusStack stack = start_prometheus_stack(scratch);
  const std::string data = std::string(LLMPACE_TEST_DATA_DIR) + "/suites";
  const auto run =
      run_to_exit(llmpace_binary(),
                  {"suite", "run", data + "/two-sims.yaml", "--output-dir", scratch.file("results"),
                   "--quiet", "--push-gateway", stack.pushgateway_url},
                  std::chrono::seconds(240));
  INFO(run.stderr_text);
  REQUIRE(run.exit_code == 0);
  const std::string run_dir = scratch.file("results") + "/two-sims/latest";

  const auto has_two = [](const nlohmann::json& result) { return result.size() == 2; };
  const auto ttft = query_until(
      stack, "llmpace_ttft_seconds{suite=\"two-sims\",scenario=\"short\",quantile=\"0.99\"}",
      has_two);
  const auto output =
      query_until(stack, "llmpace_output_tokens_per_second{suite=\"two-sims\"}", has_two);
  for (const std::string variant : {"bf16", "int4"}) {
    const auto report = read_json_file(run_dir + "/" + variant + "/short.json");
    const auto& benchmark = report.at("benchmarks").at(0);
    const auto pick = [&variant](const nlohmann::json& result) {
      for (const auto& series : result) {
        if (series.at("metric").at("variant") == variant) return series;
      }
      FAIL("no series of variant " << variant << " in " << result.dump());
      return nlohmann::json();
    };
    CHECK(same_figure(value_of(pick(ttft)),
                      benchmark.at("metrics").at("ttft_ms").at("p99").get<double>() / 1000));
    CHECK(same_figure(value_of(pick(output)),
                      benchmark.at("throughput").at("output_tokens_per_s").get<double>()));
    CHECK(pick(ttft).at("metric").at("benchmark") == "1");
    // The variant's labels ride on llmpace_run_info.
    const auto info =
        query_until(stack, "llmpace_run_info{suite=\"two-sims\",variant=\"" + variant + "\"}",
                    [](const nlohmann::json& result) { return result.size() == 1; });
    CHECK(info.at(0).at("metric").at("quantization") == variant);
  }
}
