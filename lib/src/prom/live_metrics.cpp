#include "llmpace/prom/live_metrics.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/core/error_kind.hpp"

namespace llmpace::prom {
namespace {

constexpr std::size_t kErrorKinds = static_cast<std::size_t>(ErrorKind::connection_closed) + 1;

// vLLM's bucket bounds (vllm/v1/metrics/loggers.py, as the simulator's), so the client's
// histograms line up with the server's vllm:time_to_first_token_seconds and
// vllm:inter_token_latency_seconds.
const prometheus::Histogram::BucketBoundaries kTtftBuckets{
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
    1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
const prometheus::Histogram::BucketBoundaries kItlBuckets{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                                          0.3,  0.4,   0.5,  0.75,  1.0, 2.5,  5.0,
                                                          7.5,  10.0,  20.0, 40.0,  80.0};

double seconds_between(TimePoint from, TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

/// The metrics of one label set (suite, variant, scenario, model).
struct LiveSeries {
  prometheus::Gauge* benchmark_index = nullptr;
  prometheus::Gauge* benchmark_count = nullptr;
  prometheus::Gauge* running = nullptr;
  prometheus::Gauge* elapsed = nullptr;
  prometheus::Gauge* progress = nullptr;
  prometheus::Gauge* in_flight = nullptr;
  std::array<prometheus::Counter*, 3> requests{};  // by RequestStatus
  std::array<prometheus::Counter*, kErrorKinds> errors{};
  prometheus::Counter* output_tokens = nullptr;
  prometheus::Histogram* ttft = nullptr;
  prometheus::Histogram* itl = nullptr;
};

struct LiveMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Gauge>& benchmark_index =
      prometheus::BuildGauge()
          .Name("llmpace_live_benchmark_index")
          .Help("1-based position of the running (or last) benchmark in the run")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& benchmark_count = prometheus::BuildGauge()
                                                               .Name("llmpace_live_benchmarks")
                                                               .Help("Benchmarks in the run")
                                                               .Register(*registry);
  prometheus::Family<prometheus::Gauge>& running =
      prometheus::BuildGauge()
          .Name("llmpace_live_benchmark_running")
          .Help("1 while a benchmark sends requests, 0 between benchmarks and after the run")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& elapsed =
      prometheus::BuildGauge()
          .Name("llmpace_live_benchmark_elapsed_seconds")
          .Help("Seconds since the running benchmark started")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& progress =
      prometheus::BuildGauge()
          .Name("llmpace_live_benchmark_progress_ratio")
          .Help(
              "How much of the running benchmark's limit (--max-seconds or --max-requests, "
              "whichever is further) has passed, 0..1")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& in_flight = prometheus::BuildGauge()
                                                         .Name("llmpace_live_requests_in_flight")
                                                         .Help("Requests sent and not yet ended")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("llmpace_live_requests_total")
          .Help("Requests that ended, by outcome (warmup and cooldown requests included)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& errors = prometheus::BuildCounter()
                                                        .Name("llmpace_live_request_errors_total")
                                                        .Help("Errored requests by error kind")
                                                        .Register(*registry);
  prometheus::Family<prometheus::Counter>& output_tokens =
      prometheus::BuildCounter()
          .Name("llmpace_live_output_tokens_total")
          .Help("Output tokens of successful requests")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& ttft =
      prometheus::BuildHistogram()
          .Name("llmpace_live_ttft_seconds")
          .Help("Time to first token (sent to first token) of successful requests")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& itl =
      prometheus::BuildHistogram()
          .Name("llmpace_live_itl_seconds")
          .Help("Inter-token latency (each gap between token chunks) of successful requests")
          .Register(*registry);

  std::unique_ptr<prometheus::Exposer> exposer;
  std::string address;
  std::uint16_t port = 0;

  Grouping grouping;
  const plan::RunPlan* plan = nullptr;
  std::map<prometheus::Labels, std::unique_ptr<LiveSeries>> series;  // calling thread only
  std::atomic<LiveSeries*> current{nullptr};  // read by on_record on worker threads

  LiveSeries& series_for(const prometheus::Labels& labels) {
    auto& slot = series[labels];
    if (slot) return *slot;
    slot = std::make_unique<LiveSeries>();
    LiveSeries& s = *slot;
    s.benchmark_index = &benchmark_index.Add(labels);
    s.benchmark_count = &benchmark_count.Add(labels);
    s.running = &running.Add(labels);
    s.elapsed = &elapsed.Add(labels);
    s.progress = &progress.Add(labels);
    s.in_flight = &in_flight.Add(labels);
    for (const auto status : {metrics::RequestStatus::successful, metrics::RequestStatus::errored,
                              metrics::RequestStatus::incomplete}) {
      prometheus::Labels with_outcome = labels;
      with_outcome["outcome"] = std::string(metrics::to_string(status));
      s.requests[static_cast<std::size_t>(status)] = &requests.Add(with_outcome);
    }
    for (std::size_t kind = 1; kind < kErrorKinds; ++kind) {
      prometheus::Labels with_kind = labels;
      with_kind["kind"] = std::string(to_string(static_cast<ErrorKind>(kind)));
      s.errors[kind] = &errors.Add(with_kind);
    }
    s.output_tokens = &output_tokens.Add(labels);
    s.ttft = &ttft.Add(labels, kTtftBuckets);
    s.itl = &itl.Add(labels, kItlBuckets);
    return s;
  }
};

LiveMetrics::LiveMetrics() : impl_(std::make_unique<Impl>()) {}

LiveMetrics::~LiveMetrics() { stop(); }

void LiveMetrics::start(const std::string& address, std::uint16_t port) {
  stop();
  in_addr ip4{};
  if (inet_pton(AF_INET, address.c_str(), &ip4) != 1) {
    throw ConfigError(fmt::format(
        "metrics address '{}' is not an IPv4 address (0.0.0.0 listens on every interface; "
        "Debian's civetweb, which serves the metrics, is built without IPv6)",
        address));
  }
  const std::string listen = fmt::format("{}:{}", address, port);
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(listen, 2);
  } catch (const std::exception& error) {
    throw ConfigError(
        fmt::format("cannot serve metrics on {} (port in use, or not a local "
                    "address?): {}",
                    listen, error.what()));
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
  const std::vector<int> ports = impl_->exposer->GetListeningPorts();
  impl_->port = ports.empty() ? port : static_cast<std::uint16_t>(ports.front());
  impl_->address = address;
}

void LiveMetrics::stop() {
  impl_->exposer.reset();
  impl_->port = 0;
}

std::uint16_t LiveMetrics::port() const { return impl_->port; }

std::string LiveMetrics::url() const {
  if (!impl_->exposer) return {};
  return fmt::format("http://{}:{}/metrics", impl_->address, impl_->port);
}

void LiveMetrics::begin_run(const Grouping& grouping, const plan::RunPlan& plan) {
  impl_->grouping = grouping;
  impl_->plan = &plan;
}

void LiveMetrics::end_run() {
  if (LiveSeries* s = impl_->current.exchange(nullptr)) {
    s->running->Set(0);
    s->in_flight->Set(0);
  }
  impl_->plan = nullptr;
}

void LiveMetrics::on_benchmark_start(std::size_t index, std::size_t count,
                                     const profile::ProfileSpec& /*spec*/) {
  const std::string model = impl_->plan != nullptr ? impl_->plan->target.model : std::string();
  const prometheus::Labels labels{
      {"suite", impl_->grouping.suite},
      {"variant", impl_->grouping.variant.empty() ? model : impl_->grouping.variant},
      {"scenario", impl_->grouping.scenario},
      {"model", model}};
  LiveSeries& s = impl_->series_for(labels);
  s.benchmark_index->Set(static_cast<double>(index + 1));
  s.benchmark_count->Set(static_cast<double>(count));
  s.running->Set(1);
  s.elapsed->Set(0);
  s.progress->Set(0);
  s.in_flight->Set(0);
  impl_->current.store(&s, std::memory_order_release);
}

void LiveMetrics::on_progress(const metrics::ProgressSnapshot& snapshot) {
  LiveSeries* s = impl_->current.load(std::memory_order_acquire);
  if (s == nullptr) return;
  s->elapsed->Set(snapshot.elapsed_s);
  s->in_flight->Set(static_cast<double>(snapshot.in_flight));
  double progress = 0;
  if (snapshot.max_seconds && *snapshot.max_seconds > 0) {
    progress = std::max(progress, snapshot.elapsed_s / *snapshot.max_seconds);
  }
  if (snapshot.max_requests && *snapshot.max_requests > 0) {
    progress = std::max(progress, static_cast<double>(snapshot.successful + snapshot.errored) /
                                      static_cast<double>(*snapshot.max_requests));
  }
  if (snapshot.final) progress = 1;
  s->progress->Set(std::clamp(progress, 0.0, 1.0));
  if (snapshot.final) s->running->Set(0);
}

void LiveMetrics::on_record(const metrics::RequestRecord& record, TimePoint /*benchmark_start*/,
                            std::size_t /*benchmark_index*/) {
  LiveSeries* s = impl_->current.load(std::memory_order_acquire);
  if (s == nullptr) return;
  s->requests[static_cast<std::size_t>(record.status)]->Increment();
  if (record.status == metrics::RequestStatus::errored) {
    const auto kind = static_cast<std::size_t>(record.error_kind);
    if (kind > 0 && kind < kErrorKinds) s->errors[kind]->Increment();
    return;
  }
  if (record.status != metrics::RequestStatus::successful) return;
  if (record.output_tokens > 0)
    s->output_tokens->Increment(static_cast<double>(record.output_tokens));
  if (record.has_first_token() && metrics::RequestRecord::is_set(record.sent)) {
    s->ttft->Observe(seconds_between(record.sent, record.first_token));
  }
  // Every gap of the request into one ObserveMultiple: one lock per request, not per token.
  const auto& times = record.token_chunk_times;
  if (times.size() < 2) return;
  thread_local std::vector<double> increments;
  increments.assign(kItlBuckets.size() + 1, 0.0);
  double sum_s = 0;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const double gap_s = seconds_between(times[i - 1], times[i]);
    sum_s += gap_s;
    // "Less than or equal": the first bound >= the gap (the last slot is +Inf).
    const auto bound = std::lower_bound(kItlBuckets.begin(), kItlBuckets.end(), gap_s);
    increments[static_cast<std::size_t>(bound - kItlBuckets.begin())] += 1;
  }
  s->itl->ObserveMultiple(increments, sum_s);
}

}  // namespace llmpace::prom
