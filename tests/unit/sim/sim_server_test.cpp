// SimServer over real sockets on 127.0.0.1: endpoints, stream shape, errors, keep-alive, stop.
#include "llmpace/sim/sim_server.hpp"

#include <fmt/format.h>

#include <boost/asio/read.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "llmpace/core/error.hpp"
#include "llmpace/sim/sim_metrics.hpp"
#include "llmpace/sim/sim_response.hpp"
#include "sim_test_client.hpp"

namespace {

using namespace std::chrono_literals;
using namespace llmpace;
using namespace llmpace::sim;
using llmpace::sim::test::TestClient;
namespace asio = boost::asio;
using Json = nlohmann::json;

SimOptions fast_options() {
  SimOptions options;
  options.model = "sim-model";
  options.ttft = 2ms;
  options.itl = 1ms;
  options.jitter = 0.0;
  return options;
}

std::vector<Json> event_jsons(const test::TestResponse& response) {
  std::vector<Json> events;
  for (const auto& event : response.events) {
    if (event.data != "[DONE]") events.push_back(Json::parse(event.data));
  }
  return events;
}

}  // namespace

TEST_CASE("health, models and unknown paths") {
  SimServer server{fast_options()};
  server.start();
  REQUIRE(server.port() != 0);
  CHECK(server.base_url() == "http://127.0.0.1:" + std::to_string(server.port()));
  TestClient client{server.port()};

  const auto health = client.get("/health");
  CHECK(health.status == 200);
  CHECK(health.body.empty());

  const auto models = client.get("/v1/models");
  CHECK(models.status == 200);
  const Json list = Json::parse(models.body);
  CHECK(list["object"] == "list");
  CHECK(list["data"][0]["id"] == "sim-model");

  const auto missing = client.get("/v2/nothing");
  CHECK(missing.status == 404);
  CHECK(Json::parse(missing.body)["detail"] == "Not Found");
  CHECK(client.get("/v1/chat/completions").status == 405);
}

TEST_CASE("streaming chat sends role, one chunk per token, usage and [DONE]") {
  SimServer server{fast_options()};
  server.start();
  TestClient client{server.port()};
  const auto response = client.post("/v1/chat/completions", R"({
      "model": "sim-model", "messages": [{"role": "user", "content": "one two three"}],
      "max_tokens": 5, "stream": true, "stream_options": {"include_usage": true}})");
  CHECK(response.status == 200);
  CHECK(response.chunked);
  CHECK(response.content_type.rfind("text/event-stream", 0) == 0);
  // role + 5 tokens + usage + [DONE]
  REQUIRE(response.events.size() == 8);
  CHECK(response.events.back().data == "[DONE]");
  const auto events = event_jsons(response);
  CHECK(events[0]["choices"][0]["delta"] == Json{{"role", "assistant"}, {"content", ""}});
  for (std::size_t i = 1; i <= 5; ++i) {
    INFO(i);
    CHECK(events[i]["object"] == "chat.completion.chunk");
    CHECK(events[i]["id"] == events[0]["id"]);
    CHECK(events[i]["choices"][0]["delta"]["content"].get<std::string>().front() == ' ');
    CHECK(events[i]["choices"][0]["finish_reason"] == (i == 5 ? Json("length") : Json(nullptr)));
  }
  CHECK(events[6]["choices"] == Json::array());
  CHECK(events[6]["usage"] ==
        Json{{"prompt_tokens", 3 + 8}, {"completion_tokens", 5}, {"total_tokens", 16}});
}

TEST_CASE("streaming completions without usage") {
  SimServer server{fast_options()};
  server.start();
  TestClient client{server.port()};
  const auto response =
      client.post("/v1/completions",
                  R"({"prompt": "a b", "max_tokens": 3, "stream": true, "ignore_eos": true})");
  CHECK(response.status == 200);
  REQUIRE(response.events.size() == 4);  // 3 tokens + [DONE]: no role chunk, no usage
  const auto events = event_jsons(response);
  CHECK(events[0]["object"] == "text_completion");
  CHECK(events[0]["choices"][0]["text"] == " lorem");
  CHECK(events[2]["choices"][0]["finish_reason"] == "length");
}

namespace {

/// The chunks of one raw streaming /v1/completions response (one per SSE event), checking the
/// chunked framing byte by byte; the client starts reading after `read_delay`.
std::vector<std::string> raw_stream_chunks(std::uint16_t port, std::int64_t max_tokens,
                                           std::chrono::milliseconds read_delay) {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  const std::string body =
      fmt::format(R"({{"prompt": "a", "max_tokens": {}, "stream": true}})", max_tokens);
  const std::string request = fmt::format(
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
  asio::write(socket, asio::buffer(request));
  std::this_thread::sleep_for(read_delay);
  std::string raw;
  boost::system::error_code error;
  asio::read(socket, asio::dynamic_buffer(raw), error);  // to the end: the server closes
  CHECK(error == asio::error::eof);

  const std::size_t headers_end = raw.find("\r\n\r\n");
  REQUIRE(headers_end != std::string::npos);
  std::size_t at = headers_end + 4;
  std::vector<std::string> chunks;
  for (;;) {
    const std::size_t line_end = raw.find("\r\n", at);
    REQUIRE(line_end != std::string::npos);
    const std::string size_line = raw.substr(at, line_end - at);
    const std::size_t size = std::stoul(size_line, nullptr, 16);
    REQUIRE(size_line == fmt::format("{:x}", size));  // lower case, no leading zeros
    if (size == 0) {
      CHECK(raw.substr(line_end) == "\r\n\r\n");
      return chunks;
    }
    REQUIRE(line_end + 2 + size + 2 <= raw.size());
    chunks.push_back(raw.substr(line_end + 2, size));
    REQUIRE(raw.substr(line_end + 2 + size, 2) == "\r\n");
    at = line_end + 2 + size + 2;
  }
}

void check_token_chunks(const std::vector<std::string>& chunks, std::size_t tokens) {
  REQUIRE(chunks.size() == tokens + 1);
  CHECK(chunks.back() == "data: [DONE]\n\n");
  for (std::size_t i = 0; i < tokens; ++i) {
    INFO(i);
    REQUIRE(chunks[i].rfind("data: {", 0) == 0);
    REQUIRE(chunks[i].substr(chunks[i].size() - 2) == "\n\n");
    const Json event = Json::parse(chunks[i].substr(6, chunks[i].size() - 8));
    CHECK(event["choices"][0]["text"] == std::string{output_word(static_cast<std::int64_t>(i))});
    CHECK(event["choices"][0]["finish_reason"] ==
          (i + 1 == tokens ? Json("length") : Json(nullptr)));
  }
}

}  // namespace

TEST_CASE("a stream that falls behind writes its due tokens together, one chunk per event") {
  // ITL 0: every token is due at once, so the session writes many per send(); the body must
  // still be one HTTP chunk per SSE event, exactly as when each token is written alone.
  SimOptions options = fast_options();
  options.itl = 0ms;
  SimServer server{options};
  server.start();
  check_token_chunks(raw_stream_chunks(server.port(), 500, 0ms), 500);
  // ~4 MB to a client that waits before reading: the socket fills, sends come up short and the
  // rest of each write goes out asynchronously.
  check_token_chunks(raw_stream_chunks(server.port(), 20000, 300ms), 20000);
}

TEST_CASE("non-streaming responses and the default output length") {
  SimOptions options = fast_options();
  options.default_output_tokens = 4;
  SimServer server{options};
  server.start();
  TestClient client{server.port()};

  const auto chat =
      client.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})");
  CHECK(chat.status == 200);
  CHECK_FALSE(chat.chunked);
  CHECK(chat.content_type == "application/json");
  const Json body = Json::parse(chat.body);
  CHECK(body["object"] == "chat.completion");
  CHECK(body["usage"]["completion_tokens"] == 4);
  CHECK(body["choices"][0]["message"]["content"] == " lorem ipsum dolor sit");

  const auto completion = client.post("/v1/completions", R"({"prompt":"x y z","max_tokens":2})");
  CHECK(Json::parse(completion.body)["usage"] ==
        Json{{"prompt_tokens", 1 + 3}, {"completion_tokens", 2}, {"total_tokens", 6}});
}

TEST_CASE("errors: bad JSON 400, unknown model 404, fail_rate 1 gives 500") {
  SimOptions options = fast_options();
  SimServer server{options};
  server.start();
  TestClient client{server.port()};

  const auto bad = client.post("/v1/chat/completions", "{oops");
  CHECK(bad.status == 400);
  const Json bad_body = Json::parse(bad.body);
  CHECK(bad_body["object"] == "error");
  CHECK(bad_body["type"] == "BadRequestError");
  CHECK(bad_body["code"] == 400);

  const auto unknown = client.post("/v1/completions", R"({"model":"gpt-9","prompt":"a"})");
  CHECK(unknown.status == 404);
  CHECK(Json::parse(unknown.body)["type"] == "NotFoundError");

  options.fail_rate = 1.0;
  SimServer failing{options};
  failing.start();
  TestClient failing_client{failing.port()};
  const auto failed = failing_client.post("/v1/completions", R"({"prompt":"a","stream":true})");
  CHECK(failed.status == 500);
  CHECK(Json::parse(failed.body)["type"] == "InternalServerError");
  CHECK(failing_client.get("/health").status == 200);  // only generation requests fail
}

TEST_CASE("keep-alive: many requests on one connection, and Connection: close honoured") {
  SimServer server{fast_options()};
  server.start();
  TestClient client{server.port()};
  for (int i = 0; i < 3; ++i) {
    const auto response = client.post(
        "/v1/chat/completions",
        R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"stream":true})");
    CHECK(response.status == 200);
    CHECK(response.keep_alive);
    CHECK(response.events.size() == 4);
  }
  const auto last = client.send(test::http::verb::get, "/health", "", /*keep_alive=*/false);
  CHECK(last.status == 200);
  CHECK_FALSE(last.keep_alive);
}

TEST_CASE("/metrics counts finished requests") {
  SimServer server{fast_options()};
  server.start();
  TestClient client{server.port()};
  client.post("/v1/completions", R"({"prompt":"a b c","max_tokens":2,"stream":true})");
  client.post("/v1/completions", R"({"prompt":"d","max_tokens":3})");
  client.post("/v1/completions", "{oops");  // not counted

  const auto metrics = client.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  const std::string labels = R"({engine="0",model_name="sim-model")";
  // BOS and 3 words, BOS and 1 word.
  CHECK_THAT(metrics.body, Catch::Contains("vllm:prompt_tokens_total" + labels + "} 6.0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("vllm:generation_tokens_total" + labels + "} 5.0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("vllm:request_success_total" + labels +
                                           R"(,finished_reason="length"} 2.0)"));
  CHECK_THAT(metrics.body,
             Catch::Contains("vllm:time_to_first_token_seconds_count" + labels + "} 2.0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("vllm:num_requests_running" + labels + "} 0.0\n"));
  CHECK(server.metrics().running() == 0);
}

TEST_CASE("stop() ends in-flight streams promptly and wait() returns") {
  SimOptions options = fast_options();
  options.itl = 50ms;
  SimServer server{options};
  server.start();
  TestClient client{server.port()};
  REQUIRE(client.send_and_read_header(
              "/v1/completions", R"({"prompt":"a","max_tokens":100000,"stream":true})") == 200);
  CHECK(server.metrics().running() == 1);

  std::thread waiter{[&server] { server.wait(); }};
  const TimePoint before = SteadyClock::now();
  server.stop();
  waiter.join();
  CHECK(SteadyClock::now() - before < 2s);
  CHECK(client.read_rest());  // the connection was closed mid-stream
  CHECK(server.metrics().running() == 0);
  server.stop();  // idempotent
}

TEST_CASE("start fails with RunError when the port is taken, bad options throw ConfigError") {
  SimServer first{fast_options()};
  first.start();
  SimOptions options = fast_options();
  options.port = first.port();
  SimServer second{options};
  CHECK_THROWS_AS(second.start(), RunError);

  options.threads = 0;
  CHECK_THROWS_AS(SimServer{options}, ConfigError);
  options = fast_options();
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  CHECK_THROWS_AS(SimServer{options}, ConfigError);
}

TEST_CASE("a preset serves through the shared inference model with its metrics") {
  SimOptions options = fast_options();
  options.preset = *find_preset("fast");
  options.max_model_len = 1'000'000;
  options.metrics_flavor = MetricsFlavor::vllm_legacy;
  SimServer server{options};
  server.start();
  CHECK(server.max_model_len() == 4096);  // capped at the KV budget
  TestClient client{server.port()};

  const auto streamed = client.send(
      test::http::verb::post, "/v1/chat/completions",
      R"({"messages":[{"role":"user","content":"a b c"}],"max_tokens":4,"stream":true})", true,
      "req-7");
  REQUIRE(streamed.status == 200);
  const auto events = event_jsons(streamed);
  REQUIRE(events.size() == 5);  // the role chunk and four tokens
  CHECK(events.front()["id"] == "chatcmpl-req-7");
  CHECK(events.back()["choices"][0]["finish_reason"] == "length");

  const auto too_long = client.post("/v1/completions", R"({"prompt":"a","max_tokens":5000})");
  CHECK(too_long.status == 400);
  CHECK_THAT(too_long.body, Catch::Contains("maximum context length is 4096"));

  const auto tokens = client.post("/tokenize", R"({"prompt":"one two three"})");
  REQUIRE(tokens.status == 200);
  CHECK(Json::parse(tokens.body)["count"] == 4);  // BOS and 3 words

  const auto metrics = client.get("/metrics").body;
  const std::string labels = R"({engine="0",model_name="sim-model"})";
  CHECK_THAT(metrics, Catch::Contains("vllm:gpu_cache_usage_perc" + labels + " 0.0\n"));
  CHECK_THAT(metrics,
             Catch::Contains("vllm:time_per_output_token_seconds_count" + labels + " 3.0\n"));
  // The chat prompt: 3 words in the template.
  CHECK_THAT(metrics, Catch::Contains("vllm:prefix_cache_queries_total" + labels + " 11.0\n"));

  // The legacy flavour keeps vLLM's cache info but has no waiting-by-reason gauge.
  CHECK_THAT(metrics, Catch::Contains("vllm:cache_config_info{block_size=\"16\","));
  CHECK_THAT(metrics, Catch::Contains("num_gpu_blocks=\"256\""));
  CHECK(metrics.find("num_requests_waiting_by_reason") == std::string::npos);

  const auto gpu = client.get("/dcgm/metrics");
  CHECK(gpu.status == 200);
  CHECK_THAT(gpu.body, Catch::Contains("DCGM_FI_DEV_FB_USED{"));
  CHECK_THAT(gpu.body, Catch::Contains("DCGM_FI_DEV_SM_CLOCK{"));
  CHECK_THAT(gpu.body, Catch::Contains("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{"));
  CHECK_THAT(gpu.body, Catch::Contains("DCGM_FI_PROF_DRAM_ACTIVE{"));
  CHECK_THAT(gpu.body, Catch::Contains(",modelName=\"NVIDIA H100 80GB HBM3\","));
}

TEST_CASE("the llama.cpp flavour serves llamacpp: metrics that follow the requests") {
  SimOptions options = fast_options();
  options.preset = *find_preset("fast");
  options.metrics_flavor = MetricsFlavor::llamacpp;
  SimServer server{options};
  server.start();
  TestClient client{server.port()};
  const auto before = client.get("/metrics");
  CHECK(before.status == 200);
  CHECK(before.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(before.body.find("vllm:") == std::string::npos);
  CHECK_THAT(before.body, Catch::Contains("llamacpp:tokens_predicted_total 0\n"));
  CHECK_THAT(before.body, Catch::Contains("llamacpp:n_decode_total 0\n"));

  client.post("/v1/completions", R"({"prompt":"a b c","max_tokens":4,"stream":true})");
  client.post("/v1/completions", R"({"prompt":"d","max_tokens":3})");
  const std::string after = client.get("/metrics").body;
  CHECK_THAT(after, Catch::Contains("llamacpp:prompt_tokens_total 6\n"));  // BOS + words
  CHECK_THAT(after, Catch::Contains("llamacpp:tokens_predicted_total 7\n"));
  CHECK_THAT(after, Catch::Contains("llamacpp:requests_processing 0\n"));
  CHECK_THAT(after, Catch::Contains("llamacpp:kv_cache_usage_ratio 0\n"));
  // One step per token, and a lone request is the only busy slot of each.
  CHECK_THAT(after, Catch::Contains("llamacpp:n_decode_total 7\n"));
  CHECK_THAT(after, Catch::Contains("llamacpp:n_busy_slots_per_decode 1\n"));
  CHECK(after.find("llamacpp:predicted_tokens_seconds 0\n") == std::string::npos);
}

TEST_CASE("the vLLM flavour with a preset adds cache config and waiting by reason") {
  SimOptions options = fast_options();
  options.preset = *find_preset("fast");
  SimServer server{options};
  server.start();
  TestClient client{server.port()};
  const std::string metrics = client.get("/metrics").body;
  CHECK_THAT(metrics,
             Catch::Contains("vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\","
                             "enable_prefix_caching=\"True\",engine=\"0\","
                             "gpu_memory_utilization=\"1.0\","));
  CHECK_THAT(metrics, Catch::Contains("kv_cache_size_tokens=\"4096\",num_gpu_blocks=\"256\""));
  const std::string labels = R"({engine="0",model_name="sim-model",reason=)";
  CHECK_THAT(metrics, Catch::Contains("vllm:num_requests_waiting_by_reason" + labels +
                                      "\"capacity\"} 0.0\n"));
  CHECK_THAT(metrics, Catch::Contains("vllm:num_requests_waiting_by_reason" + labels +
                                      "\"deferred\"} 0.0\n"));
}

TEST_CASE("without a preset there is no GPU to report") {
  SimServer server{fast_options()};
  server.start();
  TestClient client{server.port()};
  CHECK(client.get("/dcgm/metrics").status == 404);
  SimOptions options = fast_options();
  options.dcgm_port = 0;
  CHECK_THROWS_WITH(SimServer{options}, Catch::Contains("{dcgm_port} needs {preset}"));
}
