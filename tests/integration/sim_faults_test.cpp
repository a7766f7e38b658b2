// Fault injection seen from the client: `llmpace sim --fault KIND:1` gives every request the named
// failure, and the real `llmpace benchmark` against it must report exactly that failure for each
// request (error kind, HTTP status, tokens received before it), in the JSON report and the request
// log. A mixed plan (http_500:0.3) must leave the run going and be repeatable per request index.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <stdexcept>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr int kOutputTokens = 8;
constexpr int kTokensBeforeBreak = 3;  // sim::kFaultTokensBeforeBreak

/// `llmpace sim` with the given faults, fast fixed delays and a fixed seed.
SimProcess start_faulty_sim(const std::vector<std::string>& faults, const std::string& seed = "7") {
  std::vector<std::string> arguments{"--ttft-ms", "5", "--itl-ms", "2", "--seed", seed};
  for (const std::string& fault : faults) arguments.insert(arguments.end(), {"--fault", fault});
  return start_sim_process(arguments);
}

struct FaultRun {
  json benchmark;              // the report's first benchmark
  std::vector<json> requests;  // the request log, in file order
};

/// The documented exit codes (README): 0 when a request succeeded, 1 when none did (nothing could
/// be measured; the report is still written).
constexpr int kExitSomeSucceeded = 0;
constexpr int kExitNoneSucceeded = 1;

/// Runs `llmpace benchmark` one request at a time against `sim`, writing the JSON report and the
/// request log, and requires `expected_exit`.
FaultRun run_benchmark(const SimProcess& sim, const ScratchDir& scratch, int requests,
                       int expected_exit, std::vector<std::string> flags = {}) {
  std::vector<std::string> arguments{
      "benchmark",
      "--target",
      sim.url,
      "--profile",
      "synchronous",
      "--max-requests",
      std::to_string(requests),
      "--data",
      "prompt_tokens=16,output_tokens=" + std::to_string(kOutputTokens),
      "--quiet",
      "--output",
      scratch.file("r.json"),
      "--output",
      scratch.file("r.jsonl")};
  arguments.insert(arguments.end(), flags.begin(), flags.end());
  const RunResult result = run_to_exit(llmpace_binary(), arguments);
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == expected_exit);
  if (expected_exit == kExitNoneSucceeded) {
    CHECK_THAT(result.stderr_text, Contains("no request succeeded"));
  }
  FaultRun run;
  run.benchmark = read_json_file(scratch.file("r.json"))["benchmarks"][0];
  std::ifstream log(scratch.file("r.jsonl"));
  std::string line;
  while (std::getline(log, line)) {
    if (!line.empty()) run.requests.push_back(json::parse(line));
  }
  REQUIRE(run.requests.size() == static_cast<std::size_t>(requests));
  return run;
}

/// Every request errored, all with `kind`, and the report counts them so.
void require_all_errored(const FaultRun& run, const std::string& kind) {
  const int total = static_cast<int>(run.requests.size());
  CHECK(run.benchmark["requests"]["errored"] == total);
  CHECK(run.benchmark["requests"]["successful"] == 0);
  CHECK(run.benchmark["errors_by_kind"] == json{{kind, total}});
  for (const json& request : run.requests) {
    INFO(request.dump());
    CHECK(request["status"] == "errored");
    CHECK(request["error_kind"] == kind);
  }
}

/// The head (status line and headers) of the answer to one raw HTTP/1.1 POST with
/// `Connection: close`, sent to the loopback port of `url` ("http://127.0.0.1:PORT").
std::string raw_post_response_head(const std::string& url, const std::string& path,
                                   const std::string& body) {
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  const timeval timeout{5, 0};  // a bound on every read, should the server not answer
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to " + url);
  }
  const std::string request = "POST " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw std::runtime_error("cannot send to " + url);
  }
  std::string response;
  char buffer[4096];
  while (response.find("\r\n\r\n") == std::string::npos) {
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    if (received <= 0) break;
    response.append(buffer, static_cast<std::size_t>(received));
  }
  ::close(fd);
  return response.substr(0, response.find("\r\n\r\n"));
}

}  // namespace

TEST_CASE("fault http_500 fails every request with HTTP status 500", "[faults]") {
  const SimProcess sim = start_faulty_sim({"http_500:1"});
  ScratchDir scratch;
  const FaultRun run = run_benchmark(sim, scratch, 3, kExitNoneSucceeded);
  require_all_errored(run, "http_status");
  for (const json& request : run.requests) {
    CHECK(request["http_status"] == 500);
    CHECK_THAT(request["error_message"].get<std::string>(), Contains("HTTP 500"));
    CHECK(request["token_chunk_ms"].empty());
  }
}

TEST_CASE("fault http_429 fails every request as rate_limited, with HTTP 429 and Retry-After 1",
          "[faults]") {
  const SimProcess sim = start_faulty_sim({"http_429:1"});
  ScratchDir scratch;
  const FaultRun run = run_benchmark(sim, scratch, 3, kExitNoneSucceeded);
  require_all_errored(run, "rate_limited");
  for (const json& request : run.requests) {
    CHECK(request["http_status"] == 429);
    CHECK_THAT(request["error_message"].get<std::string>(),
               Contains("HTTP 429") && Contains("(Retry-After: 1)"));
    CHECK(request["token_chunk_ms"].empty());
  }
  // The header itself, on the wire.
  const std::string head = raw_post_response_head(
      sim.url, "/v1/chat/completions",
      R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"stream":true})");
  INFO(head);
  CHECK(head.rfind("HTTP/1.1 429", 0) == 0);
  CHECK_THAT(head, Contains("Retry-After: 1\r\n") || Contains("retry-after: 1\r\n"));
}

TEST_CASE("fault reset_mid_stream closes every stream after exactly three tokens", "[faults]") {
  const SimProcess sim = start_faulty_sim({"reset_mid_stream:1"});
  ScratchDir scratch;
  const FaultRun run = run_benchmark(sim, scratch, 3, kExitNoneSucceeded);
  require_all_errored(run, "connection_closed");
  for (const json& request : run.requests) {
    INFO(request.dump());
    CHECK(request["http_status"] == 200);
    CHECK(request["token_chunk_ms"].size() == kTokensBeforeBreak);
    CHECK(request["output_tokens"] == kTokensBeforeBreak);
    CHECK(request["output_tokens_source"] == "chunk_count");
  }
}

TEST_CASE("fault stall ends every stream by the idle timeout after exactly three tokens",
          "[faults]") {
  const SimProcess sim = start_faulty_sim({"stall:1"});
  ScratchDir scratch;
  const FaultRun run =
      run_benchmark(sim, scratch, 2, kExitNoneSucceeded, {"--idle-timeout", "0.5"});
  require_all_errored(run, "idle_timeout");
  for (const json& request : run.requests) {
    INFO(request.dump());
    CHECK(request["http_status"] == 200);
    CHECK(request["token_chunk_ms"].size() == kTokensBeforeBreak);
    CHECK(request["output_tokens"] == kTokensBeforeBreak);
    // The silence after the third token is what ended it.
    const double silence =
        request["done_ms"].get<double>() - request["token_chunk_ms"].back().get<double>();
    CHECK(silence >= 500);
  }
}

TEST_CASE("fault malformed_chunk is a protocol error and the stream goes on to the end",
          "[faults]") {
  const SimProcess sim = start_faulty_sim({"malformed_chunk:1"});
  ScratchDir scratch;
  const FaultRun run = run_benchmark(sim, scratch, 3, kExitNoneSucceeded);
  require_all_errored(run, "protocol");
  for (const json& request : run.requests) {
    INFO(request.dump());
    CHECK(request["http_status"] == 200);
    CHECK_THAT(request["error_message"].get<std::string>(), Contains("malformed JSON"));
    // Every token and the usage chunk after the bad event still arrived.
    CHECK(request["token_chunk_ms"].size() == kOutputTokens);
    CHECK(request["output_tokens"] == kOutputTokens);
    CHECK(request["output_tokens_source"] == "server_usage");
    CHECK(request["finish_reason"] == "length");
  }
}

TEST_CASE("fault slow_headers is a header timeout below five seconds of patience", "[faults]") {
  const SimProcess sim = start_faulty_sim({"slow_headers:1"});
  ScratchDir scratch;
  const FaultRun run =
      run_benchmark(sim, scratch, 2, kExitNoneSucceeded, {"--idle-timeout", "0.5"});
  require_all_errored(run, "header_timeout");
  for (const json& request : run.requests) {
    INFO(request.dump());
    CHECK(request["http_status"].is_null());
    CHECK(request["first_byte_ms"].is_null());
    CHECK(request["token_chunk_ms"].empty());
    CHECK(request["latency_ms"].get<double>() >= 500);
  }
}

TEST_CASE("fault slow_headers with enough patience succeeds five seconds late", "[faults]") {
  const SimProcess sim = start_faulty_sim({"slow_headers:1"});
  ScratchDir scratch;
  const FaultRun run = run_benchmark(sim, scratch, 1, kExitSomeSucceeded, {"--idle-timeout", "10"});
  CHECK(run.benchmark["requests"]["successful"] == 1);
  const json& request = run.requests.front();
  INFO(request.dump());
  CHECK(request["status"] == "successful");
  CHECK(request["token_chunk_ms"].size() == kOutputTokens);
  CHECK(request["ttft_ms"].get<double>() >= 5000);
}

TEST_CASE("a seeded mix of http_500 faults repeats per request and the run goes on", "[faults]") {
  constexpr int kRequests = 30;
  const auto run_once = [&] {
    // A fresh simulator each time: the fault draw follows its own request numbering.
    const SimProcess sim = start_faulty_sim({"http_500:0.3"}, "42");
    ScratchDir scratch;
    return run_benchmark(sim, scratch, kRequests, kExitSomeSucceeded, {"--seed", "42"});
  };
  const FaultRun first = run_once();
  const FaultRun second = run_once();

  int errored = 0;
  int successful = 0;
  for (int i = 0; i < kRequests; ++i) {
    const json& request = first.requests[i];
    INFO(request.dump());
    REQUIRE(request["index"] == i);  // synchronous: the log is in index order
    const json& again = second.requests[i];
    CHECK(again["index"] == i);
    CHECK(again["status"] == request["status"]);
    CHECK(again["error_kind"] == request["error_kind"]);
    CHECK(again["http_status"] == request["http_status"]);
    if (request["status"] == "errored") {
      ++errored;
      CHECK(request["error_kind"] == "http_status");
      CHECK(request["http_status"] == 500);
    } else {
      ++successful;
      CHECK(request["status"] == "successful");
      CHECK(request["token_chunk_ms"].size() == kOutputTokens);
    }
  }
  // About 30%: a wide band, the exact split is the seed's.
  CHECK(errored >= 3);
  CHECK(errored <= 18);
  // Every request is in the report, and every completed one is measured.
  for (const FaultRun* run : {&first, &second}) {
    const json& counts = run->benchmark["requests"];
    CHECK(run->benchmark["stop_reason"] == "requests_done");
    CHECK(counts["total"] == kRequests);
    CHECK(counts["successful"] == successful);
    CHECK(counts["errored"] == errored);
    CHECK(run->benchmark["errors_by_kind"] == json{{"http_status", errored}});
    CHECK(run->benchmark["metrics"]["ttft_ms"]["count"] == successful);
  }
}
