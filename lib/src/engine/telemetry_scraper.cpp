#include "llmpace/engine/telemetry_scraper.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

#include "llmpace/core/message_text.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/telemetry/exposition.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;
using telemetry::EndpointRole;

namespace {

// Prometheus text 0.0.4 first: OpenMetrics adds _created samples and needs "# EOF".
constexpr std::size_t kMaxMessageChars = 300;
constexpr std::string_view kAcceptHeader = "text/plain;version=0.0.4;q=1,*/*;q=0.1";

/// What one scrape brought back.
struct ScrapeResult {
  bool ok = false;
  std::string failure_kind;  // when !ok
  std::string message;       // when !ok
  TimePoint done;
  double elapsed_ms = 0.0;
  std::size_t skipped_lines = 0;
  std::string first_skipped;
  std::optional<telemetry::ServerReading> server;
  std::vector<telemetry::GpuReading> gpus;
};

struct TimedServer {
  TimePoint at;
  telemetry::ServerReading reading;
};

struct TimedGpus {
  TimePoint at;
  std::vector<telemetry::GpuReading> gpus;
};

}  // namespace

struct TelemetryScraper::Impl {
  struct Endpoint {
    ScrapeEndpoint spec;
    std::string display_url;
    std::unique_ptr<http::Connection> connection;  // the periodic loop's
    std::unique_ptr<asio::steady_timer> timer;     // the periodic loop's
    bool dropped = false;
    std::string dropped_reason;
    telemetry::EndpointStatus status;                // of the current capture
    std::vector<telemetry::GpuReading> latest_gpus;  // GPU endpoints: last good reading
  };

  ScraperOptions options;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::vector<Endpoint> endpoints;  // sized once; endpoints never move

  // Guarded by mutex: the capture being filled, and the readings it starts from.
  mutable std::mutex mutex;
  std::optional<TimedServer> baseline_server;
  std::optional<TimedGpus> baseline_gpus;
  std::vector<TimedServer> server_points;
  std::vector<TimedGpus> gpu_points;

  explicit Impl(ScraperOptions given) : options(std::move(given)) {
    endpoints.reserve(options.endpoints.size());
    for (ScrapeEndpoint& spec : options.endpoints) {
      Endpoint endpoint;
      spec.client.timeouts.connect = std::min(spec.client.timeouts.connect, options.timeout);
      spec.client.timeouts.tls_handshake = spec.client.timeouts.connect;
      spec.client.timeouts.idle = options.timeout;
      spec.client.timeouts.request_total = options.timeout;
      endpoint.display_url = spec.client.base_url.to_string();
      endpoint.status.role = spec.role;
      endpoint.status.url = endpoint.display_url;
      endpoint.spec = spec;
      endpoints.push_back(std::move(endpoint));
    }
    for (Endpoint& endpoint : endpoints) {
      endpoint.connection = std::make_unique<http::Connection>(
          io.get_executor(), endpoint.spec.client, endpoint.spec.tls_context);
      endpoint.timer = std::make_unique<asio::steady_timer>(io);
    }
  }

  /// The request target below the endpoint's URL, which the connection puts in front (with its
  /// query): nothing, or "/metrics" for a URL without a path.
  static std::string_view request_target(const http::Url& url) {
    return url.path_prefix.empty() ? "/metrics" : "";
  }

  asio::awaitable<ScrapeResult> async_scrape(Endpoint& endpoint, http::Connection& connection) {
    ScrapeResult result;
    http::HttpRequest request{
        .method = "GET", .target = request_target(endpoint.spec.client.base_url), .body = {}};
    request.accept = kAcceptHeader;
    std::string body;
    bool too_large = false;
    const http::Connection::BodyHandler on_body = [&](int, std::string_view bytes, TimePoint) {
      if (body.size() + bytes.size() > kMaxScrapeBodyBytes) {
        too_large = true;
        connection.cancel();
        return;
      }
      body.append(bytes);
    };
    const TimePoint started = SteadyClock::now();
    const http::ExchangeOutcome outcome =
        co_await connection.async_exchange(request, on_body, started + options.timeout);
    result.done = SteadyClock::now();
    result.elapsed_ms = to_ms(result.done - started);
    if (too_large) {
      result.failure_kind = "too_large";
      result.message = fmt::format("the body is larger than {} MiB", kMaxScrapeBodyBytes >> 20);
      co_return result;
    }
    if (!outcome.ok()) {
      result.failure_kind = outcome.cancelled ? "cancelled" : std::string(to_string(outcome.error));
      result.message = one_line(outcome.error_message, kMaxMessageChars);
      co_return result;
    }
    if (outcome.http_status < 200 || outcome.http_status > 299) {
      result.failure_kind = "http_status";
      result.message =
          fmt::format("GET {} answered HTTP {}", endpoint.display_url, outcome.http_status);
      co_return result;
    }
    read_body(endpoint, body, result);
    co_return result;
  }

  /// Parses a scrape's body into `result` (ok, or failed as not_prometheus).
  void read_body(const Endpoint& endpoint, std::string_view body, ScrapeResult& result) const {
    try {
      const telemetry::Exposition exposition = telemetry::parse_exposition(body);
      result.skipped_lines = exposition.skipped.size();
      if (!exposition.skipped.empty()) {
        result.first_skipped = fmt::format("line {}: {}", exposition.skipped.front().line_number,
                                           exposition.skipped.front().reason);
      }
      if (endpoint.spec.role == EndpointRole::server) {
        result.server = telemetry::read_server_metrics(exposition, options.model_name);
      } else {
        result.gpus = telemetry::read_gpu_metrics(exposition);
      }
      result.ok = true;
    } catch (const telemetry::ExpositionError& error) {
      result.failure_kind = "not_prometheus";
      result.message =
          fmt::format("GET {}: {}", endpoint.display_url, one_line(error.what(), kMaxMessageChars));
    } catch (const std::exception& error) {
      // A reader bug must cost this scrape only, never the scraper's loop.
      result.failure_kind = "other";
      result.message = fmt::format("GET {}: reading the body failed: {}", endpoint.display_url,
                                   one_line(error.what(), kMaxMessageChars));
    }
  }

  /// Adds one scrape's result to the capture (any thread).
  void record(Endpoint& endpoint, ScrapeResult result) {
    const std::lock_guard lock(mutex);
    telemetry::EndpointStatus& status = endpoint.status;
    ++status.scrapes;
    if (!result.ok) {
      ++status.failures;
      ++status.failures_by_kind[result.failure_kind];
      if (status.first_error.empty()) status.first_error = result.message;
      return;
    }
    status.scrape_ms_max = std::max(status.scrape_ms_max, result.elapsed_ms);
    status.skipped_lines += result.skipped_lines;
    if (status.first_skipped_line.empty()) status.first_skipped_line = result.first_skipped;
    if (result.server) {
      server_points.push_back({result.done, std::move(*result.server)});
      return;
    }
    endpoint.latest_gpus = std::move(result.gpus);
    TimedGpus point{result.done, {}};
    for (const Endpoint& each : endpoints) {
      if (each.spec.role != EndpointRole::gpu || each.dropped) continue;
      point.gpus.insert(point.gpus.end(), each.latest_gpus.begin(), each.latest_gpus.end());
    }
    gpu_points.push_back(std::move(point));
  }

  asio::awaitable<void> async_loop(Endpoint& endpoint) {
    asio::steady_timer& timer = *endpoint.timer;
    TimePoint next = SteadyClock::now() + options.interval;
    for (;;) {
      timer.expires_at(next);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !work) co_return;
      ScrapeResult result = co_await async_scrape(endpoint, *endpoint.connection);
      if (!work) co_return;  // stopping: a cancelled scrape is not a failure of the endpoint
      record(endpoint, std::move(result));
      const TimePoint now = SteadyClock::now();
      next += options.interval;
      if (next <= now) {  // overran: skip the ticks it missed, keep the phase
        next += ((now - next) / options.interval + 1) * options.interval;
      }
    }
  }

  /// One scrape of `endpoint` on a fresh connection, recorded. A member function, not a lambda:
  /// a coroutine's parameters live in its frame, a lambda's captures do not.
  asio::awaitable<void> async_scrape_once(Endpoint& endpoint) {
    http::Connection connection(io.get_executor(), endpoint.spec.client, endpoint.spec.tls_context);
    ScrapeResult result = co_await async_scrape(endpoint, connection);
    record(endpoint, std::move(result));
  }

  /// Scrapes every live endpoint at once on fresh connections; results are recorded. Blocks.
  void scrape_all_now() {
    std::vector<std::future<void>> done;
    for (Endpoint& endpoint : endpoints) {
      if (endpoint.dropped) continue;
      done.push_back(asio::co_spawn(io, async_scrape_once(endpoint), asio::use_future));
    }
    // Every scrape ends within its own deadline; the margin covers a busy scheduler.
    for (auto& each : done) each.wait_for(options.timeout + Seconds{1});
  }
};

TelemetryScraper::TelemetryScraper(ScraperOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->work.emplace(impl_->io.get_executor());
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TelemetryScraper::~TelemetryScraper() {
  // Everything in flight ends promptly (cancelled loops; an on-demand scrape left behind by a
  // timed-out wait ends at its own deadline), so io.run() returns and no handler is abandoned.
  asio::post(impl_->io, [this] {
    impl_->work.reset();
    for (auto& endpoint : impl_->endpoints) {
      endpoint.timer->cancel();
      endpoint.connection->cancel();
    }
  });
  impl_->thread.join();
}

void TelemetryScraper::start() {
  impl_->scrape_all_now();
  {
    const std::lock_guard lock(impl_->mutex);
    for (auto& endpoint : impl_->endpoints) {
      const telemetry::EndpointStatus& status = endpoint.status;
      if (endpoint.spec.optional && status.failures > 0) {
        endpoint.dropped = true;
        endpoint.dropped_reason = status.first_error;
      }
    }
  }
  begin_capture();
  for (auto& endpoint : impl_->endpoints) {
    if (endpoint.dropped) continue;
    asio::co_spawn(impl_->io, impl_->async_loop(endpoint), asio::detached);
  }
}

std::optional<telemetry::ServerReading> TelemetryScraper::scrape_now() {
  const auto before = [this] {
    const std::lock_guard lock(impl_->mutex);
    return impl_->server_points.size();
  }();
  impl_->scrape_all_now();
  const std::lock_guard lock(impl_->mutex);
  if (impl_->server_points.size() == before) return std::nullopt;
  return impl_->server_points.back().reading;
}

void TelemetryScraper::begin_capture() {
  const std::lock_guard lock(impl_->mutex);
  if (!impl_->server_points.empty()) impl_->baseline_server = impl_->server_points.back();
  if (!impl_->gpu_points.empty()) impl_->baseline_gpus = impl_->gpu_points.back();
  impl_->server_points.clear();
  impl_->gpu_points.clear();
  for (auto& endpoint : impl_->endpoints) {
    endpoint.status = telemetry::EndpointStatus{};
    endpoint.status.role = endpoint.spec.role;
    endpoint.status.url = endpoint.display_url;
  }
}

telemetry::TelemetryCapture TelemetryScraper::take_capture(TimePoint origin, double duration_s) {
  const std::lock_guard lock(impl_->mutex);
  telemetry::TelemetryCapture capture;
  capture.interval_s = to_seconds(impl_->options.interval);
  capture.benchmark_duration_s = duration_s;
  const auto t_s = [origin](TimePoint at) { return to_seconds(at - origin); };
  if (impl_->baseline_server) {
    capture.server.push_back({t_s(impl_->baseline_server->at), impl_->baseline_server->reading});
  }
  for (const TimedServer& point : impl_->server_points) {
    capture.server.push_back({t_s(point.at), point.reading});
  }
  if (impl_->baseline_gpus) {
    capture.gpu.push_back({t_s(impl_->baseline_gpus->at), impl_->baseline_gpus->gpus});
  }
  for (const TimedGpus& point : impl_->gpu_points) {
    capture.gpu.push_back({t_s(point.at), point.gpus});
  }
  for (const auto& endpoint : impl_->endpoints) {
    if (endpoint.dropped) {
      if (endpoint.spec.role == EndpointRole::server) {
        capture.server_missing_reason = fmt::format("not scraped: {}", endpoint.dropped_reason);
      }
      continue;
    }
    capture.endpoints.push_back(endpoint.status);
  }
  return capture;
}

bool TelemetryScraper::has_server() const {
  for (const auto& endpoint : impl_->endpoints) {
    if (endpoint.spec.role == EndpointRole::server && !endpoint.dropped) return true;
  }
  return false;
}

}  // namespace llmpace::engine
