#include "llmpace/http/connection.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <optional>
#include <span>
#include <utility>

#include "deadline_watch.hpp"
#include "kernel_receive.hpp"
#include "llmpace/http/endpoint_cache.hpp"
#include "llmpace/http/request_text.hpp"
#include "llmpace/http/response_reader.hpp"
#include "readable_wait.hpp"
#include "tls_failure.hpp"

namespace llmpace::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kTlsReadBytes = 16 * 1024;  // a TLS record's plaintext at most

/// Plain TCP reads go to one buffer per thread, taking everything the kernel has up to this size;
/// only the bytes the reader leaves (a line cut in two) are copied to the connection's own
/// buffer, so a connection waiting for its next chunk holds no read buffer.
constexpr std::size_t kPlainReadBytes = 64 * 1024;

std::span<char> thread_read_buffer() {
  thread_local const std::unique_ptr<char[]> buffer(new char[kPlainReadBytes]);
  return {buffer.get(), kPlainReadBytes};
}

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

/// Has OpenSSL check the certificate against the URL's host (a name, or an IP literal), so a
/// mismatch fails with its own verify result (X509_V_ERR_HOSTNAME_MISMATCH and the like).
bool verify_host(beast::ssl_stream<beast::tcp_stream>& tls, const Url& url) {
  SSL* ssl = tls.native_handle();
  if (url.host_is_ip_literal()) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str()) == 1;
  }
  return SSL_set1_host(ssl, url.host.c_str()) == 1;
}

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
                                                                      options.resolver)),
        reactor(reactor_of(executor)),
        watch(executor) {}

  /// Where the response of one attempt has got: what its reads brought and what failed.
  struct Reading {
    ResponseReader reader;
    ExchangeOutcome outcome;
    bool received_any = false;  // a byte of any response arrived (a retry is no longer safe)

    /// Before an attempt: nothing read yet, with the reader's allocations kept.
    void restart() {
      reader.reset();
      outcome = ExchangeOutcome{};
      received_any = false;
    }
  };

  asio::any_io_executor executor;
  ClientOptions options;
  std::shared_ptr<asio::ssl::context> tls_context;
  std::shared_ptr<EndpointCache> endpoint_cache;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<asio::steady_timer> resolve_wait;  // set while waiting for the endpoints
  asio::detail::reactor& reactor;    // the io_context's, which waits for plain reads queue on
  beast::flat_buffer read_buffer;    // bytes a read left unconsumed (a line cut in two)
  bool socket_probed_empty = false;  // is_reusable() found nothing to read, nothing polled since
  DeadlineWatch watch;               // the limits of a plain TCP exchange
  std::string request_text;          // the request being sent (reused: no allocation per request)
  // The response of the current attempt. A member, not a local of async_exchange, so that the
  // coroutine's frame stays small enough for Asio to recycle (it reuses blocks up to 1,020 bytes
  // and allocates larger ones afresh for every request).
  Reading reading;
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
    socket_probed_empty = false;
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
      co_return StepFailure{ErrorKind::dns, fmt::format("cannot resolve '{}': {}", url.host,
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
    if (!url.is_tls()) {
      // Reads and writes of a plain exchange are tried first and waited for only when the socket
      // would block (async_exchange_plain).
      plain->socket().non_blocking(true);
      enable_receive_timestamps(plain->socket());
      co_return std::nullopt;
    }

    tls.emplace(std::move(*plain), *tls_context);
    plain.reset();
    if (!url.host_is_ip_literal()) {
      // SNI, so virtual-hosted endpoints (OpenShift routes, ingresses) present the right cert.
      if (!SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str())) {
        co_return StepFailure{ErrorKind::tls, "cannot set TLS server name (SNI)"};
      }
    }
    if (!options.tls.insecure && !verify_host(*tls, url)) {
      co_return StepFailure{ErrorKind::tls, "cannot set the host name to verify"};
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
            fmt::format("TLS handshake with {} timed out after {:g} s", url.to_string(),
                        to_seconds(options.timeouts.tls_handshake))};
      }
      co_return StepFailure{
          ErrorKind::tls,
          fmt::format("TLS handshake with {} failed: {}", url.to_string(),
                      describe_tls_handshake_failure(handshake_error, verify_result))};
    }
    co_return std::nullopt;
  }

  /// Feeds the bytes of one read to the reader, after any bytes an earlier read left unconsumed,
  /// and keeps what it leaves in read_buffer.
  void feed(std::string_view bytes, TimePoint read_time,
            const ResponseReader::BodySink& on_body_piece) {
    reading.received_any = true;
    reading.outcome.last_read = read_time;
    ResponseReader& reader = reading.reader;
    if (read_buffer.size() == 0) {
      const std::size_t consumed = reader.feed(bytes, read_time, on_body_piece);
      if (consumed < bytes.size()) {
        const std::string_view rest = bytes.substr(consumed);
        read_buffer.commit(asio::buffer_copy(read_buffer.prepare(rest.size()),
                                             asio::buffer(rest.data(), rest.size())));
      }
    } else {
      read_buffer.commit(asio::buffer_copy(read_buffer.prepare(bytes.size()),
                                           asio::buffer(bytes.data(), bytes.size())));
      const auto unread = static_cast<const char*>(read_buffer.data().data());
      read_buffer.consume(
          reader.feed(std::string_view(unread, read_buffer.size()), read_time, on_body_piece));
    }
    ExchangeOutcome& outcome = reading.outcome;
    if (reader.header_done() && outcome.http_status == 0) {
      outcome.http_status = reader.status();
      ResponseHeaders headers = reader.take_headers();  // read once, when the head is done
      outcome.retry_after = std::move(headers.retry_after);
      outcome.location = std::move(headers.location);
      outcome.content_type = std::move(headers.content_type);
      outcome.server_date_unix_s = headers.date_unix_s.value_or(0);
    }
  }

  /// Completes the outcome of an attempt whose reads ended (the response is done, failed or cut
  /// off).
  void finish() {
    ResponseReader& reader = reading.reader;
    ExchangeOutcome& outcome = reading.outcome;
    outcome.first_byte = reader.first_byte();
    outcome.http_status = reader.status();
    if (reader.failed()) {
      const auto unread = static_cast<const char*>(read_buffer.data().data());
      const bool tls_answer = !tls && !reader.header_done() &&
                              looks_like_tls_record(std::string_view(unread, read_buffer.size()));
      close();
      if (tls_answer) {
        outcome.error = ErrorKind::tls;
        outcome.error_message =
            fmt::format("the server answered with TLS: is the URL https://? ({} is plain HTTP)",
                        options.base_url.to_string());
      } else if (reader.malformed()) {
        outcome.error = ErrorKind::protocol;
        outcome.error_message = fmt::format("malformed HTTP response: {}", reader.error());
      } else {
        outcome.error = ErrorKind::connection_closed;
        outcome.error_message = fmt::format("connection closed by the server {}", reader.error());
        if (!tls && !reading.received_any) {
          // A TLS server closes on a plain request without a word; say what it may be.
          outcome.error_message += "; if it speaks TLS here, use https://";
        }
      }
      return;
    }
    // Bytes after the end of the response belong to no request of ours: never reuse them.
    if (!reader.keep_alive() || read_buffer.size() > 0) close();
  }

  /// A read or write that failed: completes the outcome with the timeout kind that applies.
  void fail_reading(const error_code& error, bool total_governs, bool writing) {
    ExchangeOutcome& outcome = reading.outcome;
    const ResponseReader& reader = reading.reader;
    if (writing) {
      fail(outcome, error, total_governs ? ErrorKind::request_timeout : ErrorKind::header_timeout,
           "writing the request");
      return;
    }
    outcome.first_byte = reader.first_byte();
    outcome.http_status = reader.status();
    const ErrorKind timeout_kind =
        total_governs
            ? ErrorKind::request_timeout
            : (reader.header_done() ? ErrorKind::idle_timeout : ErrorKind::header_timeout);
    fail(outcome, error, timeout_kind,
         reader.header_done() ? "reading the response body" : "reading the response headers");
  }

  /// One attempt on the current plain TCP connection, reactor style: wait until the socket is
  /// readable, then take everything the kernel has in one read into the thread's buffer. The
  /// limits are one DeadlineWatch per exchange (a read moves the idle deadline, nothing more).
  ///
  /// Every read counts: the idle deadline restarts at each one, headers included (a head that
  /// trickles in is not a timeout while it keeps coming), and first_byte is the first byte of the
  /// final response. A read's time is when the kernel received its last byte (kernel_receive.hpp),
  /// so bytes that waited while this thread served other connections keep their arrival time.
  /// The attempt's result is left in `reading` (restarted by the caller), which also tells whether
  /// any byte arrived (and so whether a retry is safe).
  asio::awaitable<void> async_exchange_plain(TimePoint deadline, const BodyHandler& on_body) {
    tcp::socket& socket = plain->socket();
    const ResponseReader::BodySink on_body_piece = [this, &on_body](std::string_view bytes,
                                                                    TimePoint time) {
      on_body(reading.reader.status(), bytes, time);
    };
    reading.outcome.sent = SteadyClock::now();
    watch.start(socket, deadline, options.timeouts.idle);
    struct StopWatch {
      DeadlineWatch& watch;
      ~StopWatch() { watch.stop(); }
    } const stop_watch{watch};

    // Writing is bounded by the idle limit too: a server that does not read is silent.
    error_code error;
    std::string_view unsent = request_text;
    while (!unsent.empty()) {
      const std::size_t written = socket.write_some(asio::buffer(unsent), error);
      if (error == asio::error::would_block) {
        socket_probed_empty = false;  // the io_context polls while this waits
        auto [wait_error] = co_await socket.async_wait(tcp::socket::wait_write, kUseTuple);
        if (watch.expired()) wait_error = beast::error::timeout;
        if (wait_error) {
          fail_reading(wait_error, watch.total_deadline_passed(), true);
          co_return;
        }
        continue;
      }
      if (error) {
        fail_reading(error, false, true);
        co_return;
      }
      unsent.remove_prefix(written);
    }
    watch.touch(SteadyClock::now());

    const std::span<char> buffer = thread_read_buffer();
    // Found empty since the io_context last polled: the next read waits for an event first, and
    // that wait needs no re-arm (readable_wait.hpp). A reused connection was probed just before
    // the request was written, unless the write had to wait.
    bool known_empty = std::exchange(socket_probed_empty, false);
    TimePoint last_read = reading.outcome.sent;
    while (!reading.reader.done()) {
      if (known_empty) {
        auto [wait_error] = co_await async_wait_readable(socket, reactor, kUseTuple);
        if (watch.expired()) wait_error = beast::error::timeout;
        if (wait_error) {
          fail_reading(wait_error, watch.total_deadline_passed(), false);
          co_return;
        }
      }
      // The time the kernel received the bytes, not the time this loop got to them.
      const Receipt receipt = receive_some(socket.native_handle(), buffer, last_read, error);
      if (error == asio::error::would_block) {
        known_empty = true;
        continue;
      }
      // Even a read that did not fill the buffer may have left the end of the stream unread, and
      // no event will come for it: the next read tries before it waits.
      known_empty = false;
      const std::size_t bytes_read = receipt.bytes;
      const TimePoint read_time = last_read = receipt.time;
      if (error && is_closed_by_peer(error)) {
        // The end of the connection ends a close-delimited body; anything else was cut short.
        reading.reader.feed_end_of_stream();
        break;
      }
      if (error) {
        fail_reading(error, false, false);
        co_return;
      }
      watch.touch(read_time);
      feed(std::string_view(buffer.data(), bytes_read), read_time, on_body_piece);
    }
    finish();
  }

  /// One attempt on the current TLS connection: Beast's stream timeouts bound each operation.
  /// The result is left in `reading`, as by async_exchange_plain.
  asio::awaitable<void> async_exchange_tls(TimePoint deadline, const BodyHandler& on_body) {
    beast::ssl_stream<beast::tcp_stream>& stream = *tls;
    beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
    const Nanoseconds idle = options.timeouts.idle;
    const ResponseReader::BodySink on_body_piece = [this, &on_body](std::string_view bytes,
                                                                    TimePoint time) {
      on_body(reading.reader.status(), bytes, time);
    };

    reading.outcome.sent = SteadyClock::now();
    // Writing is bounded by the idle limit too: a server that does not read is silent.
    bool total_governs = deadline <= reading.outcome.sent + idle;
    lowest.expires_at(earlier(deadline, reading.outcome.sent + idle));
    auto [write_error, bytes_written] =
        co_await asio::async_write(stream, asio::buffer(request_text), kUseTuple);
    (void)bytes_written;
    if (write_error) {
      fail_reading(write_error, total_governs, true);
      co_return;
    }

    while (!reading.reader.done()) {
      const TimePoint idle_deadline = SteadyClock::now() + idle;
      total_governs = deadline <= idle_deadline;
      lowest.expires_at(earlier(deadline, idle_deadline));
      std::array<char, kTlsReadBytes> buffer;
      auto [read_error, bytes_read] =
          co_await stream.async_read_some(asio::buffer(buffer), kUseTuple);
      const TimePoint read_time = SteadyClock::now();
      if (read_error && is_closed_by_peer(read_error) && !cancelled) {
        // The end of the connection ends a close-delimited body; anything else was cut short.
        reading.reader.feed_end_of_stream();
        break;
      }
      if (read_error) {
        fail_reading(read_error, total_governs, false);
        co_return;
      }
      feed(std::string_view(buffer.data(), bytes_read), read_time, on_body_piece);
    }
    finish();
  }

  /// Whether an open connection can carry the next request. Bytes the server sent while it sat
  /// idle answer no request we made: a connection holding them must not carry the next request,
  /// or its answer would be paired with it. (Plain TCP only: over TLS, session tickets arrive
  /// unasked and are not a response.) A plain connection the server has closed (or reset) is not
  /// reusable either; one found empty is marked so (socket_probed_empty).
  bool is_reusable() {
    socket_probed_empty = false;
    if (read_buffer.size() > 0) return false;
    if (tls || !plain) return true;
    char byte = 0;
    const ssize_t peeked =
        ::recv(plain->socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // Nothing to read and no end of stream: anything from here on raises an event.
    socket_probed_empty = peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    return socket_probed_empty;
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
      outcome.error_message =
          timeout_kind == ErrorKind::request_timeout
              ? fmt::format("the request's deadline passed while {}", step)
              : fmt::format("no byte for {:g} s while {}", to_seconds(options.timeouts.idle), step);
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

// GCC 12 pairs the std::aligned_alloc inside Asio's coroutine-frame operator new with the frame's
// class operator delete (which calls std::free) and warns, depending on what it inlines here; the
// pair is Asio's own and matched.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<ExchangeOutcome> Connection::async_exchange(const HttpRequest& request,
                                                            const BodyHandler& on_body,
                                                            TimePoint deadline) {
  Impl& impl = *impl_;
  impl.cancelled = false;
  render_request(impl.options, request, impl.request_text);
  // The write waits for the handlers already queued on this thread (other connections' reads
  // from the same poll): the requests they start go out back to back, and a server that has just
  // been woken by the first finds the others waiting instead of being woken once per request.
  // Waking it is part of the client's sendto; on loopback this saves 7-10 % of the client's CPU
  // per request and more of the server's (docs/performance.md).
  co_await asio::post(impl.executor, kUseTuple);
  for (int attempt = 0;; ++attempt) {
    const bool reused = impl.is_open() && impl.is_reusable();
    Impl::Reading& reading = impl.reading;
    reading.restart();
    if (!reused) {
      if (auto failure = co_await impl.async_connect(deadline)) {
        ExchangeOutcome& outcome = reading.outcome;
        if (impl.cancelled) {
          outcome.cancelled = true;
          outcome.error_message = "cancelled";
        } else {
          outcome.error = failure->kind;
          outcome.error_message = std::move(failure->message);
        }
        impl.close();
        co_return std::move(outcome);
      }
    }
    // (Not a ?: expression: g++ 12 miscompiles co_await inside a conditional operator.)
    if (impl.tls) {
      co_await impl.async_exchange_tls(deadline, on_body);
    } else {
      co_await impl.async_exchange_plain(deadline, on_body);
    }
    // A server may close an idle keep-alive connection just as we reuse it; nothing was
    // processed, so one retry on a fresh connection is safe and not a request failure.
    const bool retry = reused && attempt == 0 && !reading.received_any &&
                       reading.outcome.error == ErrorKind::connection_closed;
    if (!retry) co_return std::move(reading.outcome);
  }
}

#pragma GCC diagnostic pop

}  // namespace llmpace::http
