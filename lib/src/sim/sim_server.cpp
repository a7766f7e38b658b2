#include "llmpace/sim/sim_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "inference_driver.hpp"
#include "llmpace/core/error.hpp"
#include "sim_session.hpp"

namespace llmpace::sim {
namespace {

using namespace detail;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr Nanoseconds kHandshakeTimeout = std::chrono::seconds{10};
constexpr Nanoseconds kShutdownTimeout = std::chrono::seconds{2};

asio::awaitable<void> async_run_plain_session(tcp::socket socket, Listener listener,
                                              IoThread& io_thread, const Shared& shared) {
  beast::tcp_stream stream{std::move(socket)};
  co_await async_serve_requests(stream, listener, io_thread, shared);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> async_run_tls_session(tcp::socket socket, ssl::context& tls,
                                            Listener listener, IoThread& io_thread,
                                            const Shared& shared) {
  beast::ssl_stream<beast::tcp_stream> stream{std::move(socket), tls};
  beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
  co_await async_serve_requests(stream, listener, io_thread, shared);
  beast::get_lowest_layer(stream).expires_after(kShutdownTimeout);
  // Clients often close without close_notify (stream_truncated); nothing is left to tell them.
  co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
}

// Wildcard addresses are not connectable everywhere; a URL for clients names the loopback.
std::string url_host(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::" || host == "[::]") return "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

ssl::context make_tls_context(const SimOptions& options) {
  ssl::context tls{ssl::context::tls_server};
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  try {
    tls.use_certificate_chain_file(options.tls_cert_file);
  } catch (const std::exception& error) {
    throw ConfigError(fmt::format("--tls-cert {}: {}", options.tls_cert_file, error.what()));
  }
  try {
    tls.use_private_key_file(options.tls_key_file, ssl::context::pem);
  } catch (const std::exception& error) {
    throw ConfigError(fmt::format("--tls-key {}: {}", options.tls_key_file, error.what()));
  }
  return tls;
}

}  // namespace

// With a preset, vLLM refuses to start when max_model_len does not fit the KV cache;
// the simulator lowers it to the budget instead, so a preset always starts.
std::int64_t effective_max_model_len(const SimOptions& options) {
  if (!options.preset) return options.max_model_len;
  return std::min(options.max_model_len, kv_budget_tokens(*options.preset));
}

std::unique_ptr<TraceWriter> open_trace(const SimOptions& options) {
  if (options.trace_file.empty()) return nullptr;
  return std::make_unique<TraceWriter>(options.trace_file);
}

class SimServer::Impl {
 public:
  explicit Impl(SimOptions options) : options_(validated(std::move(options))) {
    if (options_.tls()) tls_.emplace(make_tls_context(options_));
  }

  void start();
  void stop();
  void wait() {
    std::unique_lock lock{state_mutex_};
    stopped_cv_.wait(lock, [this] { return stopped_; });
  }

  static SimOptions validated(SimOptions options) {
    validate_sim_options(options);
    return options;
  }

  SimOptions options_;
  const std::int64_t max_model_len_ = effective_max_model_len(options_);
  SimMetrics metrics_{max_model_len_, options_.preset
                                          ? std::optional{cache_config_info(*options_.preset)}
                                          : std::nullopt};
  const FaultPlan faults_{options_.faults, options_.seed};
  std::atomic<std::uint64_t> next_request_number_{0};
  // Declared before io_threads_ so that sessions, destroyed with their io threads, still find them.
  std::unique_ptr<TraceWriter> trace_ = open_trace(options_);
  std::unique_ptr<InferenceDriver> inference_;
  Shared shared_{options_, metrics_,     unix_seconds(), max_model_len_,
                 nullptr,  trace_.get(), faults_,        &next_request_number_};
  std::optional<ssl::context> tls_;
  std::uint16_t port_ = 0;
  std::uint16_t dcgm_port_ = 0;

 private:
  asio::awaitable<void> async_accept_loop(tcp::acceptor& acceptor, Listener listener);
  tcp::acceptor listen(asio::io_context& io, std::uint16_t port);

  std::vector<std::unique_ptr<IoThread>> io_threads_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<tcp::acceptor> dcgm_acceptor_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;  // serialises start() and stop()
  std::mutex state_mutex_;
  std::condition_variable stopped_cv_;
  bool started_ = false;
  bool stopped_ = false;
};

tcp::acceptor SimServer::Impl::listen(asio::io_context& io, std::uint16_t port) {
  const std::string where = fmt::format("{}:{}", options_.host, port);
  try {
    tcp::resolver resolver{io};
    const auto endpoints =
        resolver.resolve(options_.host, std::to_string(port), tcp::resolver::passive);
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    tcp::acceptor acceptor{io};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
  } catch (const std::exception& error) {
    throw RunError(fmt::format("simulator cannot listen on {}: {}", where, error.what()));
  }
}

void SimServer::Impl::start() {
  std::lock_guard lock{stop_mutex_};
  if (started_ || stopped_) throw RunError("SimServer::start() may be called once, before stop()");
  for (unsigned i = 0; i < options_.threads; ++i) {
    auto io_thread = std::make_unique<IoThread>();
    io_thread->index = i;
    io_thread->latency = options_.latency_model_factory
                             ? options_.latency_model_factory(i)
                             : std::make_unique<SimpleLatencyModel>(
                                   options_.ttft, options_.itl, options_.jitter, options_.seed + i);
    // A stream apart from the latency model's, so fail_rate does not shift the delays.
    io_thread->rng = Rng(options_.seed ^ (0x9e3779b97f4a7c15ull * (i + 1)));
    io_threads_.push_back(std::move(io_thread));
  }
  asio::io_context& first_io = io_threads_.front()->io;
  acceptor_.emplace(listen(first_io, options_.port));
  port_ = acceptor_->local_endpoint().port();
  if (options_.dcgm_port) {
    dcgm_acceptor_.emplace(listen(first_io, *options_.dcgm_port));
    dcgm_port_ = dcgm_acceptor_->local_endpoint().port();
  }
  if (options_.preset) {
    std::vector<asio::any_io_executor> executors;
    for (auto& io_thread : io_threads_) executors.push_back(io_thread->io.get_executor());
    inference_ = std::make_unique<InferenceDriver>(*options_.preset, options_.jitter, options_.seed,
                                                   metrics_, std::move(executors));
    shared_.inference = inference_.get();
    inference_->start();
  }
  started_ = true;
  asio::co_spawn(first_io, async_accept_loop(*acceptor_, Listener::api), asio::detached);
  if (dcgm_acceptor_) {
    asio::co_spawn(first_io, async_accept_loop(*dcgm_acceptor_, Listener::dcgm), asio::detached);
  }
  for (auto& io_thread : io_threads_) {
    threads_.emplace_back([&io = io_thread->io] {
      const auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
}

asio::awaitable<void> SimServer::Impl::async_accept_loop(tcp::acceptor& acceptor,
                                                         Listener listener) {
  std::size_t next = 0;
  const auto start_session = [&](tcp::socket socket, IoThread& io_thread) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);    // every token leaves when it is due
    enable_receive_timestamps(socket.native_handle());  // true arrival times (receive_time.hpp)
    // A failed session (reset, TLS error, write timeout) concerns its client only.
    const auto ignore_failure = [](const std::exception_ptr&) {};
    if (tls_) {
      asio::co_spawn(io_thread.io,
                     async_run_tls_session(std::move(socket), *tls_, listener, io_thread, shared_),
                     ignore_failure);
    } else {
      asio::co_spawn(io_thread.io,
                     async_run_plain_session(std::move(socket), listener, io_thread, shared_),
                     ignore_failure);
    }
  };
  // Non-blocking, so that after each wake-up every connection already queued is taken at once:
  // a busy event loop would otherwise accept one connection per pass.
  beast::error_code mode_error;
  acceptor.non_blocking(true, mode_error);
  for (;;) {
    IoThread& io_thread = *io_threads_[next++ % io_threads_.size()];
    auto [error, socket] =
        co_await acceptor.async_accept(io_thread.io, asio::as_tuple(asio::use_awaitable));
    if (error == asio::error::operation_aborted) co_return;
    if (error) {
      // E.g. out of file descriptors: back off briefly instead of spinning, then keep serving.
      asio::steady_timer backoff{acceptor.get_executor(), std::chrono::milliseconds{10}};
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    start_session(std::move(socket), io_thread);
    while (!mode_error) {  // drain the backlog until it would block
      IoThread& next_io_thread = *io_threads_[next % io_threads_.size()];
      beast::error_code accept_error;
      tcp::socket queued = acceptor.accept(next_io_thread.io, accept_error);
      if (accept_error) break;  // would_block (the backlog is empty) or a real error: await
      ++next;
      start_session(std::move(queued), next_io_thread);
    }
  }
}

void SimServer::Impl::stop() {
  std::lock_guard lock{stop_mutex_};
  if (started_) {
    // A response whose last bytes are already written may still wait for its completion (the
    // client can have read everything and gone): a write's completion reaches the session
    // coroutine through a few posted hops (socket, Beast's stream, the composed write). Let each
    // loop run what is queued, a few rounds, so such a request ends as written, not as cut off by
    // the stop. Bounded, for a loop that is stuck.
    constexpr int kDrainRounds = 8;
    for (int round = 0; round < kDrainRounds; ++round) {
      for (auto& io_thread : io_threads_) {
        auto drained = std::make_shared<std::promise<void>>();
        std::future<void> done = drained->get_future();
        asio::post(io_thread->io, [drained] { drained->set_value(); });
        done.wait_for(std::chrono::seconds(1));
      }
    }
    // Stopping the loops leaves every session suspended; destroying an io thread's io_context then
    // destroys them (closing their sockets) on this thread, in-flight streams included.
    for (auto& io_thread : io_threads_) io_thread->io.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // The inference driver drops its pending deliveries (which hold timers of the io threads'
    // io contexts) before the io threads go; sessions destroyed with them then find it stopped.
    if (inference_) inference_->stop();
    acceptor_.reset();
    dcgm_acceptor_.reset();
    io_threads_.clear();
    started_ = false;
  }
  {
    std::lock_guard state_lock{state_mutex_};
    stopped_ = true;
  }
  stopped_cv_.notify_all();
}

SimServer::SimServer(SimOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

SimServer::~SimServer() { impl_->stop(); }

void SimServer::start() { impl_->start(); }

std::uint16_t SimServer::port() const { return impl_->port_; }

std::uint16_t SimServer::dcgm_port() const { return impl_->dcgm_port_; }

std::int64_t SimServer::max_model_len() const { return impl_->max_model_len_; }

std::string SimServer::base_url() const {
  return fmt::format("{}://{}:{}", impl_->tls_ ? "https" : "http", url_host(impl_->options_.host),
                     impl_->port_);
}

const SimMetrics& SimServer::metrics() const { return impl_->metrics_; }

void SimServer::stop() { impl_->stop(); }

void SimServer::wait() { impl_->wait(); }

}  // namespace llmpace::sim
