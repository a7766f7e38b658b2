// Private to sim_server.cpp: the coroutine that serves one connection of the simulator, written
// once over the stream type so that plain TCP (beast::tcp_stream) and TLS
// (beast::ssl_stream<beast::tcp_stream>) share every line after the handshake. Routes:
// /health, /v1/models, /metrics (vLLM), /dcgm/metrics (engine presets only), /tokenize,
// /detokenize, and the two generation endpoints (sim_generate.hpp). A connection accepted on
// --dcgm-port serves the DCGM exporter's /metrics instead.
//
// Thread affinity: a session runs on its IoThread's io_context (one thread) and touches only that
// thread's latency model and RNG; SimMetrics is atomic, the inference driver and trace writer are
// thread-safe, SimOptions is read-only while serving.
#pragma once

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "inference_driver.hpp"
#include "llmpace/core/http_date.hpp"
#include "llmpace/core/random.hpp"
#include "llmpace/sim/fault_plan.hpp"
#include "llmpace/sim/latency_model.hpp"
#include "llmpace/sim/sim_metrics.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_request.hpp"
#include "llmpace/sim/sim_response.hpp"
#include "receive_time.hpp"
#include "trace_writer.hpp"

namespace llmpace::sim::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Request = http::request<http::string_body>;
using tcp_socket = asio::ip::tcp::socket;

// Prompts can be long (a 128k-token context is ~1 MB of text); Beast's default limit is 1 MB.
inline constexpr std::uint64_t kMaxRequestBodyBytes = 64ull << 20;
// A client that stops reading must not pin a session forever.
inline constexpr Nanoseconds kWriteTimeout = std::chrono::seconds{30};

/// One io thread's state. io is declared last so that it is destroyed first: destroying it
/// destroys the suspended sessions, which refer to the members above it.
struct IoThread {
  unsigned index = 0;
  std::unique_ptr<LatencyModel> latency;
  Rng rng;  ///< trace ids and fail_rate draws; seeded by SimServer
  asio::io_context io{1};
};

/// What every session reads; owned by the server and outliving all sessions.
struct Shared {
  const SimOptions& options;
  SimMetrics& metrics;
  std::int64_t started_unix_s;
  std::int64_t max_model_len;            ///< enforced on generation requests
  InferenceDriver* inference = nullptr;  ///< null: the simple latency model
  TraceWriter* trace = nullptr;          ///< null: no --trace
  const FaultPlan& faults;
  std::atomic<std::uint64_t>* next_request_number;  ///< arrival number of generation requests
};

/// Which listener accepted a connection.
enum class Listener { api, dcgm };

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

struct ExtraHeader {
  http::field name;
  std::string value;
};

template <class Stream>
asio::awaitable<void> async_respond(Stream& stream, const Request& request, http::status status,
                                    std::string_view content_type, std::string body,
                                    std::vector<ExtraHeader> extra_headers = {}) {
  http::response<http::string_body> response{status, request.version()};
  response.set(http::field::server, "llmpace-sim");
  response.set(http::field::date, current_http_date());
  for (const ExtraHeader& header : extra_headers) response.set(header.name, header.value);
  if (!content_type.empty()) response.set(http::field::content_type, content_type);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
  co_await http::async_write(stream, response, asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> async_respond_error(Stream& stream, const Request& request,
                                          const ApiError& error,
                                          std::vector<ExtraHeader> extra_headers = {}) {
  co_await async_respond(stream, request, static_cast<http::status>(error.status),
                         "application/json", error_body(error), std::move(extra_headers));
}

inline ApiError too_many_requests() {
  return {429, "TooManyRequestsError", "Too many requests (simulated by --fault http_429)."};
}

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

template <class Stream>
asio::awaitable<void> async_respond_json_or_error(Stream& stream, const Request& request,
                                                  std::variant<std::string, ApiError> answer) {
  if (auto* error = std::get_if<ApiError>(&answer)) {
    co_await async_respond_error(stream, request, *error);
  } else {
    co_await async_respond(stream, request, http::status::ok, "application/json",
                           std::move(std::get<std::string>(answer)));
  }
}

template <class Stream>
asio::awaitable<void> async_respond_dcgm(Stream& stream, const Request& request,
                                         const Shared& shared) {
  if (shared.inference == nullptr) {
    co_await async_respond(stream, request, http::status::not_found, "application/json",
                           R"({"detail":"No GPU is simulated without --preset"})");
    co_return;
  }
  // Named first: g++ 12 miscompiles temporaries with destructors inside a co_await expression.
  const GpuSnapshot gpu = shared.inference->snapshot();
  DcgmLabels labels;
  labels.model_name = shared.inference->preset().gpu.product_name;
  std::string body = render_dcgm_metrics(gpu.sample, labels);
  co_await async_respond(stream, request, http::status::ok, kPrometheusContentType,
                         std::move(body));
}

}  // namespace llmpace::sim::detail

#include "sim_generate.hpp"

namespace llmpace::sim::detail {

template <class Stream>
asio::awaitable<AfterResponse> async_route(Stream& stream, const Request& request,
                                           TimePoint received, Listener listener,
                                           IoThread& io_thread, const Shared& shared) {
  std::string_view path = request.target();
  path = path.substr(0, path.find('?'));
  const auto method = request.method();
  const auto respond = [&](http::status status, std::string_view content_type,
                           std::string body) -> asio::awaitable<AfterResponse> {
    co_await async_respond(stream, request, status, content_type, std::move(body));
    co_return AfterResponse::keep_alive;
  };
  const auto not_allowed = [&]() {
    return respond(http::status::method_not_allowed, "application/json",
                   R"({"detail":"Method Not Allowed"})");
  };
  const auto is_get = method == http::verb::get;
  const auto is_post = method == http::verb::post;

  if (listener == Listener::dcgm) {
    if (path != "/metrics") {
      co_return co_await respond(http::status::not_found, "text/plain", "404 page not found\n");
    }
    if (!is_get) co_return co_await not_allowed();
    co_await async_respond_dcgm(stream, request, shared);
    co_return AfterResponse::keep_alive;
  }

  if (path == "/v1/chat/completions" || path == "/v1/completions") {
    if (!is_post) co_return co_await not_allowed();
    const auto api = path == "/v1/completions" ? openai::ApiKind::completions
                                               : openai::ApiKind::chat_completions;
    co_return co_await async_generate(stream, request, api, received, io_thread, shared);
  }
  if (path == "/tokenize" || path == "/detokenize") {
    if (!is_post) co_return co_await not_allowed();
    // Named first: g++ 12 miscompiles temporaries (and ?:) inside a co_await expression.
    std::variant<std::string, ApiError> answer =
        path == "/tokenize"
            ? tokenize_response(request.body(), shared.options.model, shared.max_model_len)
            : detokenize_response(request.body(), shared.options.model);
    co_await async_respond_json_or_error(stream, request, std::move(answer));
    co_return AfterResponse::keep_alive;
  }
  if (path == "/health") {
    if (!is_get) co_return co_await not_allowed();
    co_return co_await respond(http::status::ok, "", "");
  }
  if (path == "/v1/models") {
    if (!is_get) co_return co_await not_allowed();
    co_return co_await respond(
        http::status::ok, "application/json",
        models_body(shared.options.model, shared.max_model_len, shared.started_unix_s));
  }
  if (path == "/metrics") {
    if (!is_get) co_return co_await not_allowed();
    co_return co_await respond(
        http::status::ok, kPrometheusContentType,
        shared.metrics.render_prometheus(shared.options.model, shared.options.metrics_flavor));
  }
  if (path == "/dcgm/metrics") {
    if (!is_get) co_return co_await not_allowed();
    co_await async_respond_dcgm(stream, request, shared);
    co_return AfterResponse::keep_alive;
  }
  // FastAPI's answer for an unknown route, which is what a vLLM server sends.
  co_return co_await respond(http::status::not_found, "application/json",
                             R"({"detail":"Not Found"})");
}

/// Reads and answers requests in sequence until the client closes or asks to close.
template <class Stream>
asio::awaitable<void> async_serve_requests(Stream& stream, Listener listener, IoThread& io_thread,
                                           const Shared& shared) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBodyBytes);
    // An idle keep-alive connection may wait as long as the client likes; stop() ends it.
    beast::get_lowest_layer(stream).expires_never();
    // The request's first byte reached this host when the kernel stamped its packet, however long
    // this thread was busy with other connections (receive_time.hpp). Bytes already buffered (a
    // pipelined request) arrived with the previous read. Over TLS, OpenSSL may already hold the
    // request it read with the handshake, so the socket cannot tell: the read completion counts.
    std::optional<TimePoint> arrived;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      if (buffer.size() == 0) {
        auto& socket = stream.socket();
        const auto [wait_error] =
            co_await socket.async_wait(tcp_socket::wait_read, asio::as_tuple(asio::use_awaitable));
        if (wait_error) co_return;
        arrived = peek_receive_time(socket.native_handle());
      }
    }
    const auto [error, bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (error) co_return;  // end_of_stream (client closed) or a request we cannot read
    const TimePoint received = arrived.value_or(SteadyClock::now());
    const Request request = parser.release();
    const AfterResponse after =
        co_await async_route(stream, request, received, listener, io_thread, shared);
    if (after == AfterResponse::close || !request.keep_alive()) co_return;
  }
}

}  // namespace llmpace::sim::detail
