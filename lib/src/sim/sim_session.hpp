// Private to sim_server.cpp: the coroutine that serves one connection of the simulator, written
// once over the stream type so that plain TCP (beast::tcp_stream) and TLS
// (beast::ssl_stream<beast::tcp_stream>) share every line after the handshake.
//
// Thread affinity: a session runs on its Worker's io_context (one thread) and touches only that
// worker's latency model and RNG; SimMetrics is atomic; SimOptions is read-only while serving.
#pragma once

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "llmpace/sim/latency_model.hpp"
#include "llmpace/sim/sim_metrics.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_request.hpp"
#include "llmpace/sim/sim_response.hpp"

namespace llmpace::sim::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Request = http::request<http::string_body>;

// Prompts can be long (a 128k-token context is ~1 MB of text); Beast's default limit is 1 MB.
inline constexpr std::uint64_t kMaxRequestBodyBytes = 64ull << 20;
// A client that stops reading must not pin a session forever.
inline constexpr Nanoseconds kWriteTimeout = std::chrono::seconds{30};

/// One io thread's state. io is declared last so that it is destroyed first: destroying it
/// destroys the suspended sessions, which refer to the members above it.
struct Worker {
  std::unique_ptr<LatencyModel> latency;
  std::mt19937_64 rng;
  asio::io_context io{1};
};

/// What every session reads; owned by the server and outliving all sessions.
struct Shared {
  const SimOptions& options;
  SimMetrics& metrics;
  std::int64_t started_unix_s;
};

inline std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Decrements vllm:num_requests_running however the request ends (written, client gone, stop).
class RunningRequest {
 public:
  explicit RunningRequest(SimMetrics& metrics) : metrics_(metrics) {
    metrics_.on_request_started();
  }
  ~RunningRequest() { metrics_.on_request_ended(); }
  RunningRequest(const RunningRequest&) = delete;
  RunningRequest& operator=(const RunningRequest&) = delete;

 private:
  SimMetrics& metrics_;
};

template <class Stream>
asio::awaitable<void> async_write_chunk(Stream& stream, std::string_view data) {
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await asio::async_write(stream, http::make_chunk(asio::buffer(data)), asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> async_respond(Stream& stream, const Request& request, http::status status,
                                    std::string_view content_type, std::string body) {
  http::response<http::string_body> response{status, request.version()};
  response.set(http::field::server, "llmpace-sim");
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await http::async_write(stream, response, asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> async_respond_error(Stream& stream, const Request& request,
                                          const ApiError& error) {
  co_await async_respond(stream, request, static_cast<http::status>(error.status),
                         "application/json", error_body(error));
}

/// Serves one generation request: waits for each token's absolute deadline and writes it.
template <class Stream>
asio::awaitable<void> async_generate(Stream& stream, const Request& request, openai::ApiKind api,
                                     TimePoint received, Worker& worker, const Shared& shared) {
  auto parsed = parse_generation_request(api, request.body(), shared.options.model,
                                         shared.options.default_output_tokens);
  if (const auto* error = std::get_if<ApiError>(&parsed)) {
    co_await async_respond_error(stream, request, *error);
    co_return;
  }
  if (shared.options.fail_rate > 0.0 &&
      std::bernoulli_distribution{shared.options.fail_rate}(worker.rng)) {
    co_await async_respond_error(stream, request,
                                 internal_error("Simulated server failure (--fail-rate)."));
    co_return;
  }
  const auto& generation = std::get<GenerationRequest>(parsed);
  const RunningRequest running{shared.metrics};
  const bool chat = api == openai::ApiKind::chat_completions;
  const ResponseRenderer renderer{
      api,
      fmt::format("{}-{:016x}{:016x}", chat ? "chatcmpl" : "cmpl", worker.rng(), worker.rng()),
      unix_seconds(),
      shared.options.model,
      generation.prompt_tokens,
      generation.output_tokens};

  asio::steady_timer timer{co_await asio::this_coro::executor};
  const auto async_wait_until = [&timer](TimePoint deadline) {
    timer.expires_at(deadline);
    return timer.async_wait(asio::use_awaitable);
  };
  // Deadlines accumulate model delays from `received`, never from the time of the last write.
  TimePoint deadline = received + worker.latency->time_to_first_token(generation.prompt_tokens);
  const TimePoint first_token_due = deadline;

  if (!generation.stream) {
    for (std::int64_t i = 1; i < generation.output_tokens; ++i) {
      deadline += worker.latency->inter_token_latency();
    }
    co_await async_wait_until(deadline);
    co_await async_respond(stream, request, http::status::ok, "application/json",
                           renderer.full_body());
    shared.metrics.on_request_succeeded(generation.prompt_tokens, generation.output_tokens,
                                        FinishReason::length, first_token_due - received,
                                        SteadyClock::now() - received);
    co_return;
  }

  // Headers go out at once, as vLLM's do; the body follows token by token.
  http::response<http::empty_body> header{http::status::ok, request.version()};
  header.set(http::field::server, "llmpace-sim");
  header.set(http::field::content_type, "text/event-stream; charset=utf-8");
  header.keep_alive(request.keep_alive());
  header.chunked(true);
  http::response_serializer<http::empty_body> serializer{header};
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await http::async_write_header(stream, serializer, asio::use_awaitable);

  TimePoint first_token_written{};
  for (std::int64_t i = 0; i < generation.output_tokens; ++i) {
    if (i > 0) deadline += worker.latency->inter_token_latency();
    co_await async_wait_until(deadline);
    if (i == 0 && chat) co_await async_write_chunk(stream, renderer.role_event());
    co_await async_write_chunk(stream, renderer.token_event(i));
    if (i == 0) first_token_written = SteadyClock::now();
  }
  if (generation.include_usage) co_await async_write_chunk(stream, renderer.usage_event());
  co_await async_write_chunk(stream, ResponseRenderer::kDoneEvent);
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await asio::async_write(stream, http::make_chunk_last(), asio::use_awaitable);
  shared.metrics.on_request_succeeded(generation.prompt_tokens, generation.output_tokens,
                                      FinishReason::length, first_token_written - received,
                                      SteadyClock::now() - received);
}

template <class Stream>
asio::awaitable<void> async_route(Stream& stream, const Request& request, TimePoint received,
                                  Worker& worker, const Shared& shared) {
  std::string_view path = request.target();
  path = path.substr(0, path.find('?'));
  const auto method = request.method();
  const auto not_allowed = [&]() {
    return async_respond(stream, request, http::status::method_not_allowed, "application/json",
                         R"({"detail":"Method Not Allowed"})");
  };

  if (path == "/v1/chat/completions" || path == "/v1/completions") {
    if (method != http::verb::post) co_return co_await not_allowed();
    const auto api = path == "/v1/completions" ? openai::ApiKind::completions
                                               : openai::ApiKind::chat_completions;
    co_return co_await async_generate(stream, request, api, received, worker, shared);
  }
  if (path == "/health" || path == "/v1/models" || path == "/metrics") {
    if (method != http::verb::get) co_return co_await not_allowed();
    if (path == "/health")
      co_return co_await async_respond(stream, request, http::status::ok, "", "");
    if (path == "/v1/models") {
      co_return co_await async_respond(
          stream, request, http::status::ok, "application/json",
          models_body(shared.options.model, shared.options.max_model_len, shared.started_unix_s));
    }
    co_return co_await async_respond(stream, request, http::status::ok,
                                     "text/plain; version=0.0.4; charset=utf-8",
                                     shared.metrics.render_prometheus(shared.options.model));
  }
  // FastAPI's answer for an unknown route, which is what a vLLM server sends.
  co_await async_respond(stream, request, http::status::not_found, "application/json",
                         R"({"detail":"Not Found"})");
}

/// Reads and answers requests in sequence until the client closes or asks to close.
template <class Stream>
asio::awaitable<void> async_serve_requests(Stream& stream, Worker& worker, const Shared& shared) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBodyBytes);
    // An idle keep-alive connection may wait as long as the client likes; stop() ends it.
    beast::get_lowest_layer(stream).expires_never();
    const auto [error, bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (error) co_return;  // end_of_stream (client closed) or a request we cannot read
    const TimePoint received = SteadyClock::now();
    const Request request = parser.release();
    co_await async_route(stream, request, received, worker, shared);
    if (!request.keep_alive()) co_return;
  }
}

}  // namespace llmpace::sim::detail
