// TelemetryCapture: what the scraper gathered from the server's and the GPUs' metrics endpoints
// during one benchmark, on the benchmark's own clock (seconds since its start, the origin of its
// request records), so the series line up with the requests. Scrapes from just before the start
// (the baseline every counter delta is taken from) have a negative t_s.
//
// Plain data, filled by engine::TelemetryScraper on its thread and handed over once the benchmark
// has ended; read by summarise_telemetry().
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "llmpace/telemetry/readings.hpp"

namespace llmpace::telemetry {

enum class EndpointRole { server, gpu };
std::string_view to_string(EndpointRole role);

/// How scraping one endpoint went. Failure kinds: the HTTP client's ErrorKind names ("connect",
/// "dns", "request_timeout", "header_timeout", "tls", ...), "http_status", "not_prometheus" (the
/// body is not Prometheus text), "too_large" and "other" (engine/telemetry_scraper.cpp).
struct EndpointStatus {
  EndpointRole role = EndpointRole::server;
  std::string url;          ///< without user info or query string
  std::size_t scrapes = 0;  ///< attempted
  std::size_t failures = 0;
  std::map<std::string, std::size_t> failures_by_kind;
  std::string first_error;         ///< one line; empty when none failed
  std::size_t skipped_lines = 0;   ///< over every scrape
  std::string first_skipped_line;  ///< "line 12: ..." of the first skipped line
  double scrape_ms_max = 0.0;      ///< slowest successful scrape
};

struct ServerPoint {
  double t_s = 0.0;  ///< when the scrape's response was complete
  ServerReading reading;
};

struct GpuPoint {
  double t_s = 0.0;
  std::vector<GpuReading> gpus;  ///< every GPU of every GPU endpoint
};

struct TelemetryCapture {
  std::vector<EndpointStatus> endpoints;  ///< server first (when scraped), then GPUs in order given
  std::vector<ServerPoint> server;        ///< successful server scrapes, in time order
  std::vector<GpuPoint> gpu;              ///< successful rounds of GPU scrapes, in time order
  double interval_s = 1.0;                ///< --scrape-interval
  double benchmark_duration_s = 0.0;      ///< the benchmark's measured duration
  /// Why server telemetry is absent, when it is ("--server-metrics off", "GET /metrics answered
  /// 404", ...); empty when it was scraped.
  std::string server_missing_reason;
};

}  // namespace llmpace::telemetry
