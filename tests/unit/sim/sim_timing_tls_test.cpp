// What a client measures against SimServer: token timing, HTTPS, concurrent connections.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "llmpace/sim/sim_server.hpp"
#include "sim_test_client.hpp"
#include "support/timing.hpp"

namespace {

using namespace std::chrono_literals;
using namespace llmpace;
using namespace llmpace::sim;
using llmpace::sim::test::TestClient;
using llmpace::test::relaxed_ms;

constexpr std::string_view kChatTenTokens =
    R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":10,"stream":true})";

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// A throwaway self-signed certificate, made by the openssl tool in a per-process directory.
struct SelfSignedCert {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("llmpace-sim-test-" + std::to_string(::getpid()));
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();

  SelfSignedCert() {
    std::filesystem::create_directories(dir);
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -keyout '" +
        key + "' -out '" + cert + "' >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
  }
  ~SelfSignedCert() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

TEST_CASE("tokens arrive on schedule: ttft 40 ms, itl 10 ms, no jitter", "[timing]") {
  SimOptions options;
  options.ttft = 40ms;
  options.itl = 10ms;
  options.jitter = 0.0;
  SimServer server{options};
  server.start();
  TestClient client{server.port()};
  client.post("/v1/chat/completions", std::string{kChatTenTokens});  // warm-up

  const auto response = client.post("/v1/chat/completions", std::string{kChatTenTokens});
  REQUIRE(response.events.size() == 12);  // role + 10 tokens + [DONE]
  const auto& tokens = response.events;
  const double ttft_ms = to_ms(tokens[1].received - response.sent);
  std::vector<double> gaps_ms;
  for (std::size_t i = 2; i <= 10; ++i) {
    gaps_ms.push_back(to_ms(tokens[i].received - tokens[i - 1].received));
  }
  INFO("ttft " << ttft_ms << " ms, median gap " << median(gaps_ms) << " ms");
  // Never early; the upper bounds leave room for a busy machine ([timing]: CTest runs this test
  // alone) and a sanitizer's slowness.
  CHECK(ttft_ms >= 39.0);
  CHECK(ttft_ms <= 40.0 + relaxed_ms(20.0));
  CHECK(median(gaps_ms) >= 9.0);
  CHECK(median(gaps_ms) <= 10.0 + relaxed_ms(1.0));
  // Deadlines are absolute: the last token is due at ttft + 9 itl however the gaps varied.
  CHECK(to_ms(tokens[10].received - response.sent) >= 115.0);
  CHECK(to_ms(tokens[10].received - response.sent) <= 130.0 + relaxed_ms(15.0));
}

TEST_CASE("non-streaming answers after the whole generation time") {
  SimOptions options;
  options.ttft = 20ms;
  options.itl = 5ms;
  options.jitter = 0.0;
  SimServer server{options};
  server.start();
  TestClient client{server.port()};
  const TimePoint before = SteadyClock::now();
  const auto response = client.post("/v1/completions", R"({"prompt":"a","max_tokens":5})");
  CHECK(response.status == 200);
  CHECK(to_ms(SteadyClock::now() - before) >= 39.0);  // 20 + 4 * 5
}

TEST_CASE("HTTPS with a self-signed certificate") {
  const SelfSignedCert cert;
  SimOptions options;
  options.ttft = 1ms;
  options.itl = 1ms;
  options.tls_cert_file = cert.cert;
  options.tls_key_file = cert.key;
  SimServer server{options};
  server.start();
  CHECK(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()));

  TestClient client{server.port(), /*tls=*/true};
  CHECK(client.get("/health").status == 200);
  const auto response = client.post("/v1/chat/completions", std::string{kChatTenTokens});
  CHECK(response.status == 200);
  CHECK(response.events.size() == 12);
  CHECK(response.events.back().data == "[DONE]");
}

TEST_CASE("several io threads serve concurrent connections") {
  SimOptions options;
  options.ttft = 5ms;
  options.itl = 2ms;
  options.threads = 3;
  SimServer server{options};
  server.start();
  constexpr int kClients = 8;
  std::vector<std::size_t> event_counts(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      // Catch assertions are not thread-safe: the threads only count, the test checks.
      try {
        TestClient client{server.port()};
        for (int request = 0; request < 3; ++request) {
          event_counts[static_cast<std::size_t>(i)] +=
              client.post("/v1/chat/completions", std::string{kChatTenTokens}).events.size();
        }
      } catch (const std::exception&) {
        event_counts[static_cast<std::size_t>(i)] = 0;
      }
    });
  }
  for (auto& client : clients) client.join();
  for (const auto count : event_counts) CHECK(count == 36);
  TestClient client{server.port()};
  CHECK_THAT(client.get("/metrics").body,
             Catch::Contains(R"(vllm:request_success_total{engine="0",model_name="llmpace-sim",)"
                             R"(finished_reason="length"} 24.0)"));
}
