// The Prometheus series of one report, as pushed to a Pushgateway (docs/prometheus.md lists
// every family with its labels, unit and meaning).
//
// Every series carries the grouping labels (job, suite, variant, scenario) and `model`; the
// per-benchmark families add `benchmark` (1-based position in the run) and `profile` (the
// benchmark's own kind, for a sweep the stage's: synchronous, throughput, constant, ...).
// Times are in seconds, rates per second, memory in bytes, ratios in 0..1.
//
// A figure the report does not have is left out, never sent as 0, NaN or a negative number: an
// empty distribution (no successful request) has no quantile or mean, a benchmark of zero
// duration no throughput, a rate-less profile no rate, a run without GPU or server telemetry no
// footprint, a benchmark without a diagnosis no diagnosis_info. A family without any series is
// left out entirely.
//
// What is sent (push_request):
// - some request of the run succeeded: PUT of every family, with
//   llmpace_last_success_timestamp_seconds = the push time. PUT replaces the whole group, so the
//   previous run's series (a benchmark it had and this one has not) disappear.
// - no request succeeded: POST of llmpace_last_failure_timestamp_seconds alone. POST replaces
//   only the families it carries, so the last successful run's figures and its
//   llmpace_last_success_timestamp_seconds stay in the group, and
//   `llmpace_last_failure_timestamp_seconds > llmpace_last_success_timestamp_seconds` says that
//   the latest run failed. Its errors are in its report files.
//
// Pure; safe from any thread.
#pragma once

#include <prometheus/metric_family.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmpace/prom/grouping.hpp"
#include "llmpace/report/report.hpp"

namespace llmpace::prom {

/// Quantiles of the *_seconds families and the report percentile each one is.
inline constexpr std::array<std::pair<std::string_view, double metrics::DistributionSummary::*>, 4>
    kPushedQuantiles{{{"0.5", &metrics::DistributionSummary::p50},
                      {"0.9", &metrics::DistributionSummary::p90},
                      {"0.95", &metrics::DistributionSummary::p95},
                      {"0.99", &metrics::DistributionSummary::p99}}};

/// True when some benchmark of `report` has a successful request.
bool has_successful_request(const report::Report& report);

/// Every family of `report` (llmpace_last_success_timestamp_seconds = `now_unix_s` only when
/// has_successful_request), in the order docs/prometheus.md lists them. `info.labels` must have
/// passed check_info_labels.
std::vector<prometheus::MetricFamily> report_families(const report::Report& report,
                                                      const Grouping& grouping, const RunInfo& info,
                                                      double now_unix_s);

/// llmpace_last_failure_timestamp_seconds = `now_unix_s`, the one family of a failed run's push.
std::vector<prometheus::MetricFamily> failure_families(const Grouping& grouping,
                                                       const RunInfo& info, double now_unix_s);

/// The Prometheus text exposition format 0.0.4 of `families` (prometheus-cpp's TextSerializer:
/// values with 16 significant digits).
std::string exposition_text(const std::vector<prometheus::MetricFamily>& families);

/// Content-Type of exposition_text.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// One Pushgateway request.
struct PushRequest {
  std::string method;  ///< "PUT" or "POST"
  std::string path;    ///< grouping_path(grouping)
  std::string body;    ///< exposition_text
};

/// The request that pushes `report` (see the header comment for PUT and POST).
PushRequest push_request(const report::Report& report, const Grouping& grouping,
                         const RunInfo& info, double now_unix_s);

}  // namespace llmpace::prom
