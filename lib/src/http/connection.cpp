#include "llmpace/http/connection.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "llmpace/core/version.hpp"
#include "llmpace/http/endpoint_cache.hpp"

namespace llmpace::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBodyReadBufferBytes = 16 * 1024;

/// A failure of one step: which error kind it is and a message for the report.
struct StepFailure {
  ErrorKind kind;
  std::string message;
};

/// What async_connect returns when cancel() interrupted it; the caller reports `cancelled`.
const StepFailure kCancelledStep{ErrorKind::none, "cancelled"};

bool is_timeout(const error_code& error) { return error == beast::error::timeout; }

bool is_cancelled(const error_code& error) { return error == asio::error::operation_aborted; }

/// True for errors that mean "the peer closed the connection" rather than "it sent garbage".
bool is_closed_by_peer(const error_code& error) {
  return error == bhttp::error::end_of_stream || error == bhttp::error::partial_message ||
         error == asio::error::eof || error == asio::error::connection_reset ||
         error == asio::error::broken_pipe || error == asio::ssl::error::stream_truncated;
}

TimePoint earlier(TimePoint a, TimePoint b) { return a < b ? a : b; }

}  // namespace

struct Connection::Impl {
  Impl(asio::any_io_executor executor_in, const ClientOptions& options_in,
       std::shared_ptr<asio::ssl::context> tls_context_in,
       std::shared_ptr<EndpointCache> endpoints_in)
      : executor(std::move(executor_in)),
        options(options_in),
        tls_context(std::move(tls_context_in)),
        endpoint_cache(endpoints_in ? std::move(endpoints_in)
                                    : std::make_shared<EndpointCache>(executor, options.base_url,
                                                                      options.resolver)) {}

  asio::any_io_executor executor;
  ClientOptions options;
  std::shared_ptr<asio::ssl::context> tls_context;
  std::shared_ptr<EndpointCache> endpoint_cache;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<asio::steady_timer> resolve_wait;  // set while waiting for the endpoints
  beast::flat_buffer read_buffer;  // bytes read past the previous response (keep-alive)
  bool cancelled = false;

  beast::tcp_stream& lowest_layer() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  bool is_open() { return (plain || tls) && lowest_layer().socket().is_open(); }

  /// Closes the socket (and stops waiting for a name resolution): operations in flight complete
  /// with an error. The stream objects stay alive, because a suspended operation may still refer to
  /// them; discard_streams() destroys them once nothing is in flight.
  void close() {
    if (resolve_wait) resolve_wait->cancel();
    if (plain || tls) {
      error_code ignored;
      lowest_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest_layer().socket().close(ignored);
    }
  }

  /// Destroys the streams of a closed connection. Only where no operation is in flight.
  void discard_streams() {
    close();
    plain.reset();
    tls.reset();
    read_buffer.clear();
  }

  /// Resolves, connects and (for https) handshakes. Returns a failure or nullopt on success.
  /// Every step's object lives in a member while it runs, so cancel() can close it.
  asio::awaitable<std::optional<StepFailure>> async_connect(TimePoint deadline) {
    discard_streams();
    const Url& url = options.base_url;
    // One connect deadline covers the name lookup (usually answered from the cache) and TCP.
    const TimePoint connect_start = SteadyClock::now();
    const bool total_governs_connect = deadline <= connect_start + options.timeouts.connect;
    const TimePoint connect_deadline = earlier(deadline, connect_start + options.timeouts.connect);
    resolve_wait.emplace(executor);
    auto [resolve_error, endpoints] =
        co_await endpoint_cache->async_endpoints(connect_deadline, *resolve_wait);
    resolve_wait.reset();
    if (cancelled) co_return kCancelledStep;
    if (resolve_error == asio::error::timed_out) {
      co_return StepFailure{
          total_governs_connect ? ErrorKind::request_timeout : ErrorKind::connect_timeout,
          fmt::format("resolving '{}' timed out", url.host)};
    }
    if (resolve_error) {
      co_return StepFailure{ErrorKind::connect, fmt::format("cannot resolve '{}': {}", url.host,
                                                            resolve_error.message())};
    }

    plain.emplace(executor);
    plain->expires_at(connect_deadline);
    auto [connect_error, endpoint] = co_await plain->async_connect(endpoints, kUseTuple);
    if (cancelled) co_return kCancelledStep;
    if (connect_error) {
      plain.reset();
      // Every endpoint failed: the next connection looks the name up again, in case it moved.
      endpoint_cache->invalidate();
      if (is_timeout(connect_error)) {
        co_return StepFailure{
            total_governs_connect ? ErrorKind::request_timeout : ErrorKind::connect_timeout,
            fmt::format("connect to {} timed out", url.to_string())};
      }
      co_return StepFailure{
          ErrorKind::connect,
          fmt::format("cannot connect to {}: {}", url.to_string(), connect_error.message())};
    }
    plain->socket().set_option(tcp::no_delay(true));
    if (!url.is_tls()) co_return std::nullopt;

    tls.emplace(std::move(*plain), *tls_context);
    plain.reset();
    if (!url.host_is_ip_literal()) {
      // SNI, so virtual-hosted endpoints (OpenShift routes, ingresses) present the right cert.
      if (!SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
        co_return StepFailure{ErrorKind::tls, "cannot set TLS server name (SNI)"};
      }
    }
    if (!options.tls.insecure) {
      tls->set_verify_callback(asio::ssl::host_name_verification(url.host));
    }
    const TimePoint handshake_start = SteadyClock::now();
    const bool total_governs_handshake =
        deadline <= handshake_start + options.timeouts.tls_handshake;
    beast::get_lowest_layer(*tls).expires_at(
        earlier(deadline, handshake_start + options.timeouts.tls_handshake));
    auto [handshake_error] =
        co_await tls->async_handshake(asio::ssl::stream_base::client, kUseTuple);
    if (cancelled) co_return kCancelledStep;
    if (handshake_error) {
      const long verify_result = SSL_get_verify_result(tls->native_handle());
      tls.reset();
      if (is_timeout(handshake_error)) {
        co_return StepFailure{
            total_governs_handshake ? ErrorKind::request_timeout : ErrorKind::tls_timeout,
            "TLS handshake timed out"};
      }
      std::string reason = handshake_error.message();
      if (verify_result != X509_V_OK) {
        reason = fmt::format("certificate verification failed: {}",
                             X509_verify_cert_error_string(verify_result));
      }
      co_return StepFailure{
          ErrorKind::tls, fmt::format("TLS handshake with {} failed: {}", url.to_string(), reason)};
    }
    co_return std::nullopt;
  }

  bhttp::request<bhttp::string_body> build_request(const HttpRequest& request) const {
    bhttp::request<bhttp::string_body> message;
    message.method_string(request.method);
    message.target(options.base_url.path_prefix + request.target);
    message.version(11);
    message.set(bhttp::field::host, options.base_url.host_header());
    message.set(bhttp::field::user_agent, options.user_agent.empty()
                                              ? fmt::format("llmpace/{}", kVersion)
                                              : options.user_agent);
    message.set(bhttp::field::accept, request.accept);
    if (!options.api_key.empty()) {
      message.set(bhttp::field::authorization, "Bearer " + options.api_key);
    }
    if (!request.request_id.empty()) message.set("X-Request-Id", request.request_id);
    for (const Header& header : options.extra_headers) message.set(header.name, header.value);
    if (!request.body.empty()) {
      message.set(bhttp::field::content_type, "application/json");
      message.body() = request.body;
    }
    message.keep_alive(true);
    message.prepare_payload();
    return message;
  }

  /// One attempt on the current (open) connection. `received_any` tells the caller whether a
  /// retry on a fresh connection is safe.
  template <class Stream>
  asio::awaitable<ExchangeOutcome> async_exchange_on(
      Stream& stream, const bhttp::request<bhttp::string_body>& message, const BodyHandler& on_body,
      TimePoint deadline, bool& received_any) {
    ExchangeOutcome outcome;
    beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
    const Timeouts& timeouts = options.timeouts;

    outcome.sent = SteadyClock::now();
    const bool total_governs_headers = deadline <= outcome.sent + timeouts.response_headers;
    lowest.expires_at(earlier(deadline, outcome.sent + timeouts.response_headers));
    auto [write_error, bytes_written] = co_await bhttp::async_write(stream, message, kUseTuple);
    (void)bytes_written;
    if (write_error) {
      co_return fail(outcome, write_error,
                     total_governs_headers ? ErrorKind::request_timeout : ErrorKind::header_timeout,
                     "writing the request");
    }

    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);  // streams may be far longer than Beast's 8 MB default
    parser.header_limit(64 * 1024);
    std::array<char, kBodyReadBufferBytes> body_buffer;
    while (!parser.is_done()) {
      parser.get().body().data = body_buffer.data();
      parser.get().body().size = body_buffer.size();
      bool total_governs = total_governs_headers;
      if (parser.is_header_done()) {
        const TimePoint idle_deadline = SteadyClock::now() + timeouts.idle;
        total_governs = deadline <= idle_deadline;
        lowest.expires_at(earlier(deadline, idle_deadline));
      }
      auto [read_error, bytes_parsed] =
          co_await bhttp::async_read_some(stream, read_buffer, parser, kUseTuple);
      const TimePoint read_time = SteadyClock::now();
      (void)bytes_parsed;
      if (read_error == bhttp::error::need_buffer) read_error = {};  // our body buffer filled up
      if (!read_error && !received_any) {
        received_any = true;
        outcome.first_byte = read_time;
      }
      if (read_error) {
        const ErrorKind timeout_kind =
            total_governs
                ? ErrorKind::request_timeout
                : (parser.is_header_done() ? ErrorKind::idle_timeout : ErrorKind::header_timeout);
        co_return fail(
            outcome, read_error, timeout_kind,
            parser.is_header_done() ? "reading the response body" : "reading the response headers");
      }
      if (parser.is_header_done() && outcome.http_status == 0) {
        outcome.http_status = static_cast<int>(parser.get().result_int());
      }
      outcome.last_read = read_time;
      const std::size_t body_bytes = body_buffer.size() - parser.get().body().size;
      if (body_bytes > 0) {
        on_body(outcome.http_status, std::string_view(body_buffer.data(), body_bytes), read_time);
      }
    }
    if (!parser.get().keep_alive()) close();
    co_return outcome;
  }

  ExchangeOutcome& fail(ExchangeOutcome& outcome, const error_code& error, ErrorKind timeout_kind,
                        std::string_view step) {
    close();
    if (cancelled || is_cancelled(error)) {
      outcome.cancelled = true;
      outcome.error_message = "cancelled";
      return outcome;
    }
    if (is_timeout(error)) {
      outcome.error = timeout_kind;
      outcome.error_message = fmt::format("timed out {}", step);
    } else if (is_closed_by_peer(error)) {
      outcome.error = ErrorKind::connection_closed;
      outcome.error_message = fmt::format("connection closed by the server while {}", step);
    } else if (error.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
      outcome.error = ErrorKind::protocol;
      outcome.error_message = fmt::format("malformed HTTP while {}: {}", step, error.message());
    } else {
      outcome.error = ErrorKind::connection_closed;
      outcome.error_message = fmt::format("error while {}: {}", step, error.message());
    }
    return outcome;
  }
};

Connection::Connection(asio::any_io_executor executor, const ClientOptions& options,
                       std::shared_ptr<asio::ssl::context> tls_context,
                       std::shared_ptr<EndpointCache> endpoints)
    : impl_(std::make_unique<Impl>(std::move(executor), options, std::move(tls_context),
                                   std::move(endpoints))) {}

Connection::~Connection() { impl_->discard_streams(); }

bool Connection::is_open() const { return impl_->is_open(); }

void Connection::cancel() {
  impl_->cancelled = true;
  impl_->close();
}

asio::awaitable<ExchangeOutcome> Connection::async_exchange(const HttpRequest& request,
                                                            const BodyHandler& on_body,
                                                            TimePoint deadline) {
  Impl& impl = *impl_;
  impl.cancelled = false;
  const auto message = impl.build_request(request);
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl.is_open();
    if (!reused) {
      if (auto failure = co_await impl.async_connect(deadline)) {
        ExchangeOutcome outcome;
        if (impl.cancelled) {
          outcome.cancelled = true;
          outcome.error_message = "cancelled";
        } else {
          outcome.error = failure->kind;
          outcome.error_message = std::move(failure->message);
        }
        impl.close();
        co_return outcome;
      }
    }
    bool received_any = false;
    // (Not a ?: expression: g++ 12 miscompiles co_await inside a conditional operator.)
    ExchangeOutcome outcome;
    if (impl.tls) {
      outcome =
          co_await impl.async_exchange_on(*impl.tls, message, on_body, deadline, received_any);
    } else {
      outcome =
          co_await impl.async_exchange_on(*impl.plain, message, on_body, deadline, received_any);
    }
    // A server may close an idle keep-alive connection just as we reuse it; nothing was
    // processed, so one retry on a fresh connection is safe and not a request failure.
    const bool retry =
        reused && attempt == 0 && !received_any && outcome.error == ErrorKind::connection_closed;
    if (!retry) co_return outcome;
  }
}

}  // namespace llmpace::http
