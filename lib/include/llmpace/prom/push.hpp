// Pushing a report to a Prometheus Pushgateway (--push-gateway URL): one HTTP request, PUT of the
// report's series (POST of the failure timestamp alone when no request succeeded; see
// report_metrics.hpp), to URL + "/metrics/job/llmpace/suite/S/variant/V/scenario/SC".
//
// The request goes through llmpace's own HTTP client (http::Connection), with deadlines on the
// connect, the TLS handshake and the whole exchange, and TLS verified against the system CAs
// (plus PushOptions::tls): prometheus-cpp 1.0.1's Gateway has no timeout at all, pastes label
// values into the path unescaped and takes no path prefix (docs/prometheus.md).
//
// Thread affinity: push_report blocks the calling thread for at most PushOptions::timeout; call
// it from any thread, one push per call (it makes its own io_context and connection).
// Errors: parse_push_gateway throws ConfigError (before a run starts); push_report throws
// RunError with one line ("push to http://...: HTTP 400: ...") that callers report as a warning:
// a failed push never costs the report files, which are written before it.
#pragma once

#include <string>
#include <string_view>

#include "llmpace/core/time.hpp"
#include "llmpace/http/client_options.hpp"
#include "llmpace/http/url.hpp"
#include "llmpace/prom/grouping.hpp"
#include "llmpace/report/report.hpp"

namespace llmpace::prom {

/// Parses a --push-gateway URL ("http://pushgateway:9091", an optional path prefix: a gateway
/// behind a route at /pushgateway). As the target's URL (http/url.hpp): http or https, no
/// credentials, no fragment. Throws ConfigError "invalid URL '...': ..." (credentials shown as
/// "***").
http::Url parse_push_gateway(std::string_view text);

struct PushOptions {
  /// Bounds the whole push: name resolution and connect, TLS handshake, request and response.
  Nanoseconds timeout = Seconds{15};
  http::TlsOptions tls;  ///< system CAs; an extra CA file, or no verification (insecure)
};

/// What a successful push did, for a note ("pushed 42 series to ...").
struct PushResult {
  std::string method;  ///< "PUT" or "POST"
  std::string url;     ///< gateway URL + path, for messages
  int http_status = 0;
};

/// Pushes `report`'s series under `grouping` at `now_unix_s` (the value of the last success or
/// failure timestamp; usually the current wall-clock time). `info.labels` are checked with
/// check_info_labels. Throws RunError (one line) when the gateway cannot be reached in time or
/// answers anything but 2xx, ConfigError for bad info labels.
PushResult push_report(const http::Url& gateway, const Grouping& grouping,
                       const report::Report& report, const RunInfo& info, double now_unix_s,
                       const PushOptions& options = {});

/// The current wall-clock time as Unix seconds, for now_unix_s.
double unix_time_now();

}  // namespace llmpace::prom
