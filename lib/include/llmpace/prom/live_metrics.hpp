// LiveMetrics: the running benchmark's state as Prometheus metrics, served on GET /metrics
// (--metrics-port) for a ServiceMonitor to scrape while the Job runs: progress, requests in
// flight, requests ended by outcome, errors by kind, output tokens, TTFT and ITL histograms (a
// rolling quantile is histogram_quantile over rate(...[1m])), and which benchmark of how many is
// running. docs/prometheus.md lists the families.
//
// It is a plan::PlanObserver: give it to run_plan (through a plan::ObserverList beside the
// console) after begin_run(). Every series carries suite, variant, scenario and model; a suite
// run calls begin_run() before each plan, so each variant and scenario has its own series, and
// counters keep counting across benchmarks of one (variant, scenario) within the process.
//
// Thread affinity: construct, start(), stop(), begin_run() and end_run() on one thread (the one
// that runs the plans), never while run_plan runs; the PlanObserver callbacks as
// plan::PlanObserver says: on_record on worker threads, concurrently — it bumps atomic counters
// and takes two short histogram locks per request (not per token), measured in
// docs/performance.md. The HTTP server answers on its own threads (civetweb, via
// prometheus::Exposer); collecting is thread-safe.
// Lifetime: the RunPlan given to begin_run must outlive the run; the destructor stops serving.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "llmpace/plan/plan_runner.hpp"
#include "llmpace/plan/run_plan.hpp"
#include "llmpace/prom/grouping.hpp"

namespace llmpace::prom {

/// Default --metrics-address: every interface, so a ServiceMonitor reaches it in a pod.
inline constexpr std::string_view kDefaultMetricsAddress = "0.0.0.0";

class LiveMetrics final : public plan::PlanObserver {
 public:
  LiveMetrics();
  ~LiveMetrics() override;
  LiveMetrics(const LiveMetrics&) = delete;
  LiveMetrics& operator=(const LiveMetrics&) = delete;

  /// Serves GET /metrics on `address` (an IPv4 literal: Debian's civetweb has no IPv6) and
  /// `port` (0: an ephemeral port; see port()). Throws ConfigError when the address is not an
  /// IPv4 literal or nothing can listen there (port in use, address not local).
  void start(const std::string& address, std::uint16_t port);
  /// Stops serving; idempotent.
  void stop();
  /// The port it listens on once started (the one chosen when started with 0), else 0.
  [[nodiscard]] std::uint16_t port() const;
  /// "http://ADDRESS:PORT/metrics" once started.
  [[nodiscard]] std::string url() const;

  /// The next run's identity. An empty grouping.variant stands for the plan's model, read when
  /// the first benchmark starts (the model may be discovered by then).
  void begin_run(const Grouping& grouping, const plan::RunPlan& plan);
  /// The run ended: llmpace_live_benchmark_running 0, in flight 0; later records are ignored.
  void end_run();

  void on_benchmark_start(std::size_t index, std::size_t count,
                          const profile::ProfileSpec& spec) override;
  void on_progress(const metrics::ProgressSnapshot& snapshot) override;
  void on_record(const metrics::RequestRecord& record, TimePoint benchmark_start,
                 std::size_t benchmark_index) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmpace::prom
