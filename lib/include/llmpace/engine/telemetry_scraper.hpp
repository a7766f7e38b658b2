// TelemetryScraper: reads the server's /metrics and the GPUs' dcgm-exporter endpoints beside the
// load, every `interval`, on a thread and io_context of its own, so a slow or failing scrape never
// delays a request: the load's workers never wait for it, and it never fails the benchmark.
//
// Each endpoint has one keep-alive connection and a loop that scrapes at start + n * interval
// (a scrape that overruns skips the ticks it missed). Around each benchmark the caller asks for a
// scrape of every endpoint at once (scrape_now): just before the benchmark, for the baseline its
// counter deltas start from, and just after, so the deltas cover the whole benchmark.
//
// Failures are counted per endpoint and kind (an ErrorKind name, "not_prometheus" when the body
// is not Prometheus text, "too_large" past kMaxScrapeBodyBytes) with the first message. An
// endpoint in `auto` mode (the target's own /metrics, not asked for by URL) is dropped when its
// first scrape fails, and the reason is reported instead.
//
// Credentials: the target's API key and headers go only to an endpoint on the target's origin
// (scheme, host and port); every other endpoint gets the metrics header and token options only.
//
// Thread affinity: every public member is called from one thread (the one running the plan); the
// scraper's own thread touches the capture only under its mutex. Lifetime: the destructor stops
// the thread, cancelling scrapes in flight.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/time.hpp"
#include "llmpace/http/client_options.hpp"
#include "llmpace/telemetry/capture.hpp"
#include "llmpace/telemetry/readings.hpp"

namespace llmpace::engine {

inline constexpr std::size_t kMaxScrapeBodyBytes = 16 * 1024 * 1024;

struct ScrapeEndpoint {
  telemetry::EndpointRole role = telemetry::EndpointRole::server;
  /// Where and how to connect: base_url is the endpoint's URL, credentials already chosen.
  http::ClientOptions client;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // for https endpoints
  /// Dropped with a reason when its first scrape fails (the target's /metrics under "auto").
  bool optional = false;
};

struct ScraperOptions {
  std::vector<ScrapeEndpoint> endpoints;  // at most one server endpoint, first
  Nanoseconds interval = Seconds{1};
  /// Deadline of one scrape (connect included).
  Nanoseconds timeout = Seconds{5};
  /// The model whose server figures count (samples of other model_name values are left out).
  std::string model_name;
};

class TelemetryScraper {
 public:
  explicit TelemetryScraper(ScraperOptions options);
  ~TelemetryScraper();
  TelemetryScraper(const TelemetryScraper&) = delete;
  TelemetryScraper& operator=(const TelemetryScraper&) = delete;

  /// Scrapes every endpoint once (dropping optional ones that fail), then starts the periodic
  /// loops on the scraper's thread. Blocks for at most one scrape timeout.
  void start();

  /// Scrapes every endpoint at once and waits for them (at most one scrape timeout); the results
  /// join the capture like periodic ones. Returns the server's reading, when it answered.
  std::optional<telemetry::ServerReading> scrape_now();

  /// Starts a new capture: statuses at zero, the latest readings kept as its baseline.
  void begin_capture();

  /// The capture since begin_capture(), on the clock of `origin` (t_s = seconds since origin),
  /// for a benchmark that lasted `duration_s`.
  telemetry::TelemetryCapture take_capture(TimePoint origin, double duration_s);

  /// True while a server endpoint is being scraped (not dropped).
  [[nodiscard]] bool has_server() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmpace::engine
