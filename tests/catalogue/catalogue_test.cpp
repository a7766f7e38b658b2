// The misbehaving-server catalogue: llmpace benchmarks a server that answers every other request
// wrongly in one particular way, and the report must say exactly what happened: the right count
// per error kind, the right token counts for the requests that succeeded, every request accounted
// for (sent = successful + errored + incomplete, plus dropped), no negative figure, a report that
// matches its schema, and no hang or crash.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "catalogue/misbehaving_server.hpp"
#include "integration/harness.hpp"

using namespace std::chrono_literals;
using llmpace::catalogue::Behaviour;
using llmpace::catalogue::MisbehavingServer;
using llmpace::catalogue::Request;
using llmpace::catalogue::tcp;
using llmpace::catalogue::Then;
namespace cat = llmpace::catalogue;
namespace asio = boost::asio;
using Kinds = std::map<std::string, int>;

namespace {

constexpr int kRequests = 6;  // requests 1, 3 and 5 misbehave
constexpr int kMisbehaving = kRequests / 2;

/// What the report must say about one misbehaviour.
struct Expected {
  Kinds errors;                          // error kind -> count; empty when every request succeeds
  std::string message;                   // part of the first error's message ("" when no error)
  int output_tokens = cat::kGoodTokens;  // of every successful request
  std::string output_tokens_source = "server_usage";  // of the benchmark
  int usage_problems = 0;
};

struct Case {
  std::string name;
  Behaviour behaviour;
  Expected expected;
};

// --- Behaviours ----------------------------------------------------------------------------

/// Sends `bytes`, then does `then`.
Behaviour answer(std::string bytes, Then then = Then::keep_open) {
  return [bytes = std::move(bytes), then](tcp::socket& socket,
                                          const Request&) -> asio::awaitable<Then> {
    co_await cat::send(socket, bytes);
    co_return then;
  };
}

/// Sends `bytes`, then ends the connection with a reset.
Behaviour answer_then_reset(std::string bytes) {
  return [bytes = std::move(bytes)](tcp::socket& socket, const Request&) -> asio::awaitable<Then> {
    if (!bytes.empty()) co_await cat::send(socket, bytes);
    cat::reset(socket);
    co_return Then::close;
  };
}

/// Sends `before`, is silent for `silence`, then sends `after`.
Behaviour stall(std::string before, std::chrono::milliseconds silence, std::string after) {
  return [before = std::move(before), silence, after = std::move(after)](
             tcp::socket& socket, const Request&) -> asio::awaitable<Then> {
    if (!before.empty()) co_await cat::send(socket, before);
    co_await cat::pause(socket, silence);
    co_await cat::send(socket, after);
    co_return Then::keep_open;
  };
}

/// Sends the first `slow_bytes` of `response` one byte every `gap`, then the rest at once.
Behaviour trickle(std::string response, std::size_t slow_bytes, std::chrono::milliseconds gap) {
  return [response = std::move(response), slow_bytes, gap](
             tcp::socket& socket, const Request&) -> asio::awaitable<Then> {
    for (std::size_t at = 0; at < slow_bytes; ++at) {
      co_await cat::send(socket, std::string_view(response).substr(at, 1));
      co_await cat::pause(socket, gap);
    }
    co_await cat::send(socket, std::string_view(response).substr(slow_bytes));
    co_return Then::keep_open;
  };
}

std::string head_of(const std::string& response) {
  return response.substr(0, response.find("\r\n\r\n") + 4);
}

std::string stream_with_usage(const std::string& usage) {
  return cat::stream_response(cat::stream_body(cat::kGoodTokens, usage));
}

/// A stream whose body is `tokens` content chunks then `tail` (raw SSE text), chunked.
std::string stream_then(int tokens, const std::string& tail) {
  std::string body;
  for (int i = 0; i < tokens; ++i) body += cat::sse_event(cat::content_chunk());
  return cat::stream_response(body + tail);
}

/// A chunked stream head and the first three content chunks, with no end.
std::string three_tokens_and_no_end() {
  std::string partial(cat::kStreamHead);
  for (int i = 0; i < 3; ++i) partial += cat::chunk(cat::sse_event(cat::content_chunk()));
  return partial;
}

std::string one_byte_chunks(const std::string& body) {
  std::string out(cat::kStreamHead);
  for (const char c : body) out += cat::chunk(std::string(1, c));
  return out + std::string(cat::kLastChunk);
}

std::vector<Case> catalogue() {
  const std::string good = cat::stream_response(cat::stream_body());
  const std::string head = head_of(good);
  const std::string body = cat::stream_body();
  const Kinds closed{{"connection_closed", kMisbehaving}};
  const Kinds protocol{{"protocol", kMisbehaving}};
  std::vector<Case> cases;
  auto add = [&cases](std::string name, Behaviour behaviour, Expected expected) {
    cases.push_back({std::move(name), std::move(behaviour), std::move(expected)});
  };

  // Resets and clean closes at every stage.
  add("reset before the head", answer_then_reset(""), {closed, "before any response byte"});
  add("close before the head", answer("", Then::close), {closed, "before any response byte"});
  add("reset inside the head", answer_then_reset("HTTP/1.1 200 OK\r\nContent-Ty"),
      {closed, "connection closed"});
  add("close inside the head", answer("HTTP/1.1 200 OK\r\nContent-Ty", Then::close),
      {closed, "inside the response head"});
  add("reset after the head", answer_then_reset(head), {closed, "connection closed"});
  add("close after the head", answer(head, Then::close),
      {closed, "before the response body ended"});
  add("reset mid-stream", answer_then_reset(three_tokens_and_no_end()),
      {closed, "connection closed"});
  add("close mid-stream", answer(three_tokens_and_no_end(), Then::close),
      {closed, "before the response body ended"});
  // Stalls (--idle-timeout 1) before the head, after it and mid-stream.
  add("stall before the head", stall("", 3s, good),
      {{{"header_timeout", kMisbehaving}}, "no byte for 1 s"});
  add("stall after the head", stall(head, 3s, good.substr(head.size())),
      {{{"idle_timeout", kMisbehaving}}, "no byte for 1 s while reading the response body"});
  add("stall mid-stream", stall(three_tokens_and_no_end(), 3s, "0\r\n\r\n"),
      {{{"idle_timeout", kMisbehaving}}, "no byte for 1 s"});
  // Slow but steady: a head one byte every 25 ms (longer in all than the idle deadline).
  add("slow head", trickle(good, head.size(), 25ms), {});
  // Interim responses before the answer.
  add("100 Continue first", answer("HTTP/1.1 100 Continue\r\n\r\n" + good), {});
  add("103 Early Hints first",
      answer("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" + good), {});
  add("101 Switching Protocols",
      answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", Then::hang),
      {protocol, "switched protocols"});
  // Statuses.
  add("429 with Retry-After",
      answer(cat::fixed_response("HTTP/1.1 429 Too Many Requests", "Retry-After: 3\r\n",
                                 R"({"error":{"message":"rate limit exceeded"}})")),
      {{{"rate_limited", kMisbehaving}}, "HTTP 429: rate limit exceeded (Retry-After: 3)"});
  add("503 with an HTML page",
      answer(cat::fixed_response("HTTP/1.1 503 Service Unavailable", "Content-Type: text/html\r\n",
                                 "<html>\n<head><title>503 Service Temporarily Unavailable</title>"
                                 "</head>\n<body><center><h1>503</h1></center></body></html>\n")),
      {{{"http_status", kMisbehaving}}, "HTTP 503: 503 Service Temporarily Unavailable"});
  add("500 with a JSON error",
      answer(cat::fixed_response("HTTP/1.1 500 Internal Server Error", "",
                                 R"({"object":"error","message":"CUDA out of memory"})")),
      {{{"http_status", kMisbehaving}}, "HTTP 500: CUDA out of memory"});
  add("307 redirect",
      answer(cat::fixed_response("HTTP/1.1 307 Temporary Redirect",
                                 "Location: https://elsewhere.example/v1/chat/completions\r\n",
                                 "")),
      {{{"http_status", kMisbehaving}},
       "redirected to https://elsewhere.example/v1/chat/completions"});
  // Chunks and their content.
  add("malformed JSON chunk", answer(stream_then(3, cat::sse_event(R"({"choices":[{)"))),
      {protocol, "malformed JSON in stream chunk"});
  add("a 1 MiB chunk",
      answer(stream_then(0, cat::sse_event(cat::content_chunk(std::string(1 << 20, 'x'))) +
                                cat::stream_body(cat::kGoodTokens - 1, cat::good_usage()))),
      {});
  add("invalid UTF-8 in content",
      answer(stream_then(3, cat::sse_event(cat::content_chunk("\xff\xfe")))),
      {protocol, "malformed JSON in stream chunk"});
  add("CRLF line ends",
      answer(cat::stream_response(cat::stream_body(8, cat::good_usage(), "\r\n"))), {});
  add("CR-only line ends",
      answer(cat::stream_response(cat::stream_body(8, cat::good_usage(), "\r"))), {});
  add("comments and keep-alive pings",
      answer(cat::stream_response(": ping\n\n" + cat::stream_body() + ": bye\n")), {});
  add("one-byte chunked encoding", answer(one_byte_chunks(body)), {});
  add("body delimited by the close",
      answer(
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body,
          Then::close),
      {});
  add("bad chunk size", answer(std::string(cat::kStreamHead) + "zz\r\n" + body, Then::hang),
      {protocol, "malformed HTTP response"});
  add("Transfer-Encoding with Content-Length",
      answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n" +
                 cat::chunk(body) + std::string(cat::kLastChunk),
             Then::hang),
      {protocol, "malformed HTTP response"});
  add("bytes after the response", answer(good + good.substr(0, 60)), {});
  add("[DONE] without its blank line, then close",
      answer("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" +
                 body.substr(0, body.size() - 1),
             Then::close),
      {});
  add("no [DONE]", answer(cat::stream_response(body.substr(0, body.rfind("data: [DONE]")))), {});
  add("leading UTF-8 BOM", answer(cat::stream_response("\xEF\xBB\xBF" + body)), {});
  // Usage anomalies.
  add("usage without completion_tokens",
      answer(stream_with_usage(cat::usage_chunk(R"("prompt_tokens":16,"total_tokens":24)"))),
      {{}, "", cat::kGoodTokens, "mixed", kMisbehaving});
  add("negative completion_tokens",
      answer(stream_with_usage(cat::usage_chunk(R"("prompt_tokens":16,"completion_tokens":-5)"))),
      {{}, "", cat::kGoodTokens, "mixed", kMisbehaving});
  add("counts written 8.0",
      answer(
          stream_with_usage(cat::usage_chunk(R"("prompt_tokens":16.0,"completion_tokens":8.0)"))),
      {});
  add("no usage at all", answer(stream_with_usage("")), {{}, "", cat::kGoodTokens, "mixed"});
  // Errors inside the stream, and no stream at all.
  add("error event mid-stream",
      answer(stream_then(3, cat::sse_event(R"({"error":{"message":"engine died","code":500}})"))),
      {{{"stream_error", kMisbehaving}}, "engine died"});
  add("event: error",
      answer(stream_then(3, "event: error\ndata: {\"message\":\"overloaded\"}\n\n")),
      {{{"stream_error", kMisbehaving}}, "overloaded"});
  add("JSON instead of a stream",
      answer(cat::fixed_response(
          "HTTP/1.1 200 OK", "Content-Type: application/json\r\n",
          R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":)"
          R"({"role":"assistant","content":"tttttttt"},"finish_reason":"length"}],)"
          R"("usage":{"prompt_tokens":16,"completion_tokens":8,"total_tokens":24}})")),
      {protocol, "instead of a stream of server-sent events"});
  add("empty 200", answer(cat::fixed_response("HTTP/1.1 200 OK", "", "")),
      {protocol, "carried no server-sent events"});
  add("a head beyond 64 KiB",
      answer("HTTP/1.1 200 OK\r\nX-Padding: " + std::string(70 * 1024, 'p') + "\r\n\r\n",
             Then::hang),
      {protocol, "malformed HTTP response"});
  return cases;
}

// --- Checks --------------------------------------------------------------------------------

/// Every number in the report is finite and not negative, except a histogram's bucket indices,
/// which count octaves from 1.0 (LogHistogram::to_json): negative below it.
void check_no_negative_numbers(const nlohmann::json& value, const std::string& path) {
  if (value.is_number()) {
    INFO(path);
    CHECK(std::isfinite(value.get<double>()));
    CHECK(value.get<double>() >= 0);
  } else if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (key == "buckets" && child.is_array()) {
        for (std::size_t run = 0; run < child.size(); ++run) {
          const std::string run_path = path + ".buckets[" + std::to_string(run) + "]";
          INFO(run_path);
          REQUIRE((child[run].is_array() && !child[run].empty()));
          CHECK(child[run][0].is_number_integer());  // the run's first bucket index
          for (std::size_t i = 1; i < child[run].size(); ++i) {
            check_no_negative_numbers(child[run][i], run_path + "[" + std::to_string(i) + "]");
          }
        }
        continue;
      }
      check_no_negative_numbers(child, path + "." + key);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_no_negative_numbers(value[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

void check_report_matches_schema(const std::string& report_path) {
  const auto result = llmpace::test::run_to_exit(
      "/usr/bin/python3", {LLMPACE_SCHEMA_VALIDATOR, LLMPACE_REPORT_SCHEMA, report_path});
  INFO(result.stdout_text << result.stderr_text);
  CHECK(result.exit_code == 0);
}

std::vector<std::string> benchmark_arguments(const std::string& url, const std::string& json,
                                             const std::string& jsonl, int requests,
                                             const std::string& connect_timeout_s = "2") {
  return {"benchmark",
          "--target",
          url,
          "--model",
          "m",
          "--profile",
          "synchronous",
          "--max-requests",
          std::to_string(requests),
          "--data",
          "prompt_tokens=16,output_tokens=8",
          "--tokenizer",
          "approx",
          "--idle-timeout",
          "1",
          "--connect-timeout",
          connect_timeout_s,
          "--request-timeout",
          "10",
          "--output",
          json,
          "--output",
          jsonl};
}

/// The accounting every report must satisfy, whatever the server did.
void check_accounting(const nlohmann::json& report, int requests) {
  REQUIRE(report["benchmarks"].size() == 1);
  const auto& counts = report["benchmarks"][0]["requests"];
  const int successful = counts["successful"];
  const int errored = counts["errored"];
  const int incomplete = counts["incomplete"];
  const int dropped = counts["dropped"];
  CHECK(counts["total"] == successful + errored + incomplete);
  CHECK(successful + errored + incomplete + dropped == requests);
  int errors_by_kind = 0;
  for (const auto& [kind, count] : report["benchmarks"][0]["errors_by_kind"].items()) {
    errors_by_kind += count.get<int>();
  }
  CHECK(errors_by_kind == errored);
  check_no_negative_numbers(report, "report");
}

}  // namespace

TEST_CASE("the misbehaving-server catalogue: every kind gives the right report") {
  const std::vector<Case> cases = catalogue();
  REQUIRE(cases.size() >= 30);
  for (const Case& test_case : cases) {
    DYNAMIC_SECTION(test_case.name) {
      MisbehavingServer server(test_case.behaviour);
      llmpace::test::ScratchDir scratch;
      const std::string json = scratch.file("r.json");
      const std::string jsonl = scratch.file("r.jsonl");
      const auto run = llmpace::test::run_to_exit(
          llmpace::test::llmpace_binary(),
          benchmark_arguments(server.url(), json, jsonl, kRequests), 60s);
      INFO(run.stderr_text);
      CHECK(run.exit_code == 0);  // some requests succeeded: the run measured something
      const auto report = llmpace::test::read_json_file(json);
      check_accounting(report, kRequests);
      const auto& benchmark = report["benchmarks"][0];
      INFO("first errors: " << benchmark.value("first_error_by_kind", nlohmann::json()).dump());
      const Expected& expected = test_case.expected;
      int expected_errors = 0;
      for (const auto& [kind, count] : expected.errors) expected_errors += count;
      CHECK(benchmark["requests"]["successful"] == kRequests - expected_errors);
      CHECK(benchmark["requests"]["incomplete"] == 0);
      CHECK(benchmark["errors_by_kind"].get<Kinds>() == expected.errors);
      CHECK(benchmark["output_tokens_source"] == expected.output_tokens_source);
      REQUIRE(benchmark.contains("usage_problems"));
      CHECK(benchmark["usage_problems"]["requests"] == expected.usage_problems);

      // Request by request: pairing, token counts, and the error's words.
      const auto records = llmpace::test::read_json_lines(jsonl);
      REQUIRE(records.size() == kRequests);
      std::string first_error;
      for (const auto& record : records) {
        INFO(record.dump());
        if (record["status"] == "successful") {
          CHECK(record["output_tokens"] == expected.output_tokens);
          if (record["prompt_tokens_source"] == "server_usage") {
            CHECK(record["prompt_tokens"] == cat::kPromptTokens);
          }
        } else if (first_error.empty() && record["error_message"].is_string()) {
          first_error = record["error_message"];
        }
      }
      if (!expected.message.empty()) CHECK_THAT(first_error, Catch::Contains(expected.message));
      check_report_matches_schema(json);
    }
  }
}

namespace {

/// A self-signed certificate (key.pem, cert.pem in `scratch`) whose subjectAltName is `san`.
void make_certificate(const llmpace::test::ScratchDir& scratch, const std::string& san) {
  const auto result = llmpace::test::run_to_exit(
      "/usr/bin/openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=llmpace-test", "-addext", "subjectAltName=" + san, "-keyout",
                           scratch.file("key.pem"), "-out", scratch.file("cert.pem")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
}

/// Runs a benchmark of 2 requests that must all fail with `kind`, the first message containing
/// `message`; the run measured nothing (exit code 1) and still wrote a valid report.
void check_every_request_fails(const std::string& url, const std::vector<std::string>& extra,
                               const std::string& kind, const std::string& message,
                               const std::string& connect_timeout_s = "2") {
  constexpr int kFailing = 2;
  llmpace::test::ScratchDir scratch;
  const std::string json = scratch.file("r.json");
  auto arguments =
      benchmark_arguments(url, json, scratch.file("r.jsonl"), kFailing, connect_timeout_s);
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  const auto run = llmpace::test::run_to_exit(llmpace::test::llmpace_binary(), arguments, 60s);
  INFO(run.stderr_text);
  CHECK(run.exit_code == 1);
  const auto report = llmpace::test::read_json_file(json);
  check_accounting(report, kFailing);
  const auto& benchmark = report["benchmarks"][0];
  CHECK(benchmark["errors_by_kind"].get<Kinds>() == Kinds{{kind, kFailing}});
  REQUIRE(benchmark.contains("first_error_by_kind"));
  REQUIRE(benchmark["first_error_by_kind"].contains(kind));
  CHECK_THAT(benchmark["first_error_by_kind"][kind].get<std::string>(), Catch::Contains(message));
  check_report_matches_schema(json);
}

}  // namespace

TEST_CASE("the catalogue's connection failures: each told apart, with what to do about it") {
  llmpace::test::ScratchDir certificates;
  SECTION("connection refused") {
    check_every_request_fails(
        "http://127.0.0.1:" + std::to_string(llmpace::test::unused_loopback_port()), {}, "connect",
        "cannot connect");
  }
  SECTION("TLS: certificate not trusted") {
    make_certificate(certificates, "IP:127.0.0.1");
    auto sim = llmpace::test::start_sim_process(
        {"--tls-cert", certificates.file("cert.pem"), "--tls-key", certificates.file("key.pem")});
    check_every_request_fails(sim.url, {}, "tls", "certificate not trusted");
  }
  SECTION("TLS: host name mismatch") {
    make_certificate(certificates, "DNS:elsewhere.example");
    auto sim = llmpace::test::start_sim_process(
        {"--tls-cert", certificates.file("cert.pem"), "--tls-key", certificates.file("key.pem")});
    check_every_request_fails(sim.url, {"--ca-cert", certificates.file("cert.pem")}, "tls",
                              "host name mismatch");
  }
  SECTION("TLS: plain HTTP spoken to an https URL") {
    auto sim = llmpace::test::start_sim_process({});
    std::string url = sim.url;
    url.replace(0, 4, "https");
    check_every_request_fails(url, {}, "tls", "is the URL http://?");
  }
  SECTION("TLS: an https server behind an http URL") {
    make_certificate(certificates, "IP:127.0.0.1");
    auto sim = llmpace::test::start_sim_process(
        {"--tls-cert", certificates.file("cert.pem"), "--tls-key", certificates.file("key.pem")});
    std::string url = sim.url;
    url.replace(0, 5, "http");
    // It closes without a word: only a hint can be given.
    check_every_request_fails(url, {}, "connection_closed", "if it speaks TLS here, use https://");
  }
  SECTION("TLS: a handshake that never ends") {
    // A server that accepts and never answers the ClientHello.
    MisbehavingServer silent(answer(""));
    std::string url = silent.url();
    url.replace(0, 4, "https");
    check_every_request_fails(url, {}, "tls_timeout", "timed out after 0.3 s", "0.3");
  }
}
