#include "llmpace/plan/plan_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "common_start.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/version.hpp"
#include "llmpace/engine/runner.hpp"
#include "llmpace/engine/telemetry_scraper.hpp"
#include "llmpace/http/tls_context.hpp"
#include "llmpace/plan/host_info.hpp"
#include "llmpace/plan/prompt_setup.hpp"
#include "llmpace/profile/sweep.hpp"
#include "llmpace/report/report_diagnosis.hpp"
#include "llmpace/sim/sim_server.hpp"
#include "llmpace/telemetry/saturation_detector.hpp"
#include "llmpace/telemetry/telemetry_summary.hpp"

namespace llmpace::plan {
namespace {

/// The longest a shard waits for shard 0's start file (--start-file).
constexpr auto kStartFileTimeout = std::chrono::minutes{15};

bool same_origin(const http::Url& a, const http::Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

/// How to reach one metrics endpoint: the target's credentials on the target's origin only, the
/// metrics header and token elsewhere; the target's TLS settings everywhere.
engine::ScrapeEndpoint make_endpoint(const RunPlan& plan, telemetry::EndpointRole role,
                                     http::Url url, bool optional) {
  engine::ScrapeEndpoint endpoint;
  endpoint.role = role;
  endpoint.optional = optional;
  const http::ClientOptions& target = plan.target.client;
  endpoint.client.tls = target.tls;
  endpoint.client.timeouts = target.timeouts;
  endpoint.client.user_agent = target.user_agent;
  endpoint.client.resolver = target.resolver;
  if (same_origin(url, target.base_url)) {
    endpoint.client.api_key = target.api_key;
    endpoint.client.extra_headers = target.extra_headers;
  } else {
    endpoint.client.api_key = plan.telemetry.api_key;
    endpoint.client.extra_headers = plan.telemetry.headers;
  }
  if (url.is_tls()) {
    endpoint.tls_context = plan.target.client.base_url.is_tls()
                               ? plan.target.tls_context
                               : http::make_client_tls_context(target.tls);
  }
  endpoint.client.base_url = std::move(url);
  return endpoint;
}

/// The scraper of the plan's metrics endpoints, started; null when there is none to scrape.
/// `server_missing` says why the server's metrics are not scraped, when they are not.
std::unique_ptr<engine::TelemetryScraper> start_scraper(const RunPlan& plan, bool embedded_preset,
                                                        std::string& server_missing) {
  const TelemetryPlan& telemetry = plan.telemetry;
  engine::ScraperOptions options;
  options.interval = telemetry.interval;
  options.timeout = std::clamp<Nanoseconds>(telemetry.interval * 2, Seconds{2}, Seconds{10});
  options.model_name = plan.target.model;
  switch (telemetry.server) {
    case TelemetryPlan::ServerSource::off:
      server_missing = "not scraped: server_metrics is off";
      break;
    case TelemetryPlan::ServerSource::automatic: {
      http::Url url = plan.target.client.base_url;
      url.path_prefix += "/metrics";
      options.endpoints.push_back(
          make_endpoint(plan, telemetry::EndpointRole::server, std::move(url), true));
      break;
    }
    case TelemetryPlan::ServerSource::url:
      options.endpoints.push_back(
          make_endpoint(plan, telemetry::EndpointRole::server, *telemetry.server_url, false));
      break;
  }
  std::vector<http::Url> gpu_urls = telemetry.gpu_urls;
  if (gpu_urls.empty() && embedded_preset) {
    // The built-in simulator's engine presets serve dcgm-exporter's metrics beside vLLM's.
    http::Url url = plan.target.client.base_url;
    url.path_prefix += "/dcgm/metrics";
    gpu_urls.push_back(std::move(url));
  }
  for (http::Url& url : gpu_urls) {
    options.endpoints.push_back(
        make_endpoint(plan, telemetry::EndpointRole::gpu, std::move(url), false));
  }
  if (options.endpoints.empty()) return nullptr;
  auto scraper = std::make_unique<engine::TelemetryScraper>(std::move(options));
  scraper->start();
  return scraper;
}

/// Between two benchmarks: waits until the server has no request running or waiting (from its
/// metrics), up to the settle timeout; without them, pauses for the settle pause.
report::Settle settle(engine::TelemetryScraper* scraper, const TelemetryPlan& plan) {
  report::Settle out;
  const TimePoint start = SteadyClock::now();
  if (scraper != nullptr && scraper->has_server()) {
    for (;;) {
      const std::optional<telemetry::ServerReading> reading = scraper->scrape_now();
      const bool known = reading && (reading->requests_running || reading->requests_waiting);
      if (!known) break;  // the server does not say: fall back to the pause
      const double busy =
          reading->requests_running.value_or(0) + reading->requests_waiting.value_or(0);
      out.method = "server_idle";
      if (busy <= 0) {
        out.reached = true;
        out.waited_s = to_seconds(SteadyClock::now() - start);
        return out;
      }
      if (SteadyClock::now() - start >= plan.settle_timeout) {
        out.waited_s = to_seconds(SteadyClock::now() - start);
        out.busy_at_end = busy;
        return out;
      }
      // Polling a remote server's state: nothing to await but its next answer.
      std::this_thread::sleep_for(Milliseconds{250});
    }
  }
  out.method = "pause";
  std::this_thread::sleep_for(plan.settle_pause);
  out.reached = true;
  out.waited_s = to_seconds(SteadyClock::now() - start);
  return out;
}

/// --stop-on-saturation: a SaturationDetector per benchmark, fed the requests in flight at each
/// progress tick (calling thread) and each request's TTFT as it ends (worker threads).
class SaturationStop {
 public:
  void restart() {
    const std::lock_guard lock(mutex_);
    detector_ = telemetry::SaturationDetector{};
  }
  void on_record(const metrics::RequestRecord& record, TimePoint benchmark_start) {
    if (!metrics::RequestRecord::is_set(record.first_token)) return;
    const std::lock_guard lock(mutex_);
    detector_.add_ttft(to_seconds(record.done - benchmark_start),
                       to_ms(record.first_token - record.sent));
  }
  bool over_saturated(const metrics::ProgressSnapshot& snapshot) {
    const std::lock_guard lock(mutex_);
    detector_.add_load(snapshot.elapsed_s, static_cast<double>(snapshot.in_flight));
    return detector_.check(snapshot.elapsed_s).over_saturated;
  }

 private:
  std::mutex mutex_;
  telemetry::SaturationDetector detector_;
};

struct StageContext {
  engine::Runner& runner;
  const RunPlan& plan;
  PlanObserver& observer;
  engine::TelemetryScraper* scraper;  // null: nothing scraped
  std::string server_missing;         // why the server's metrics are not scraped
  report::Report& run_report;
  bool stopped = false;  // a signal or the shards' barrier ended the run between benchmarks
};

/// Whether every benchmark of this shard starts together with the other shards' (through the
/// start file's directory, common_start.hpp); otherwise only the first does.
bool shares_starts(const ScaleOutPlan& scale_out) {
  return scale_out.shard.sharded() && !scale_out.start_file.empty();
}

/// Ends the run before benchmark `benchmark` (0-based) after a signal, telling the other shards.
void stop_interrupted(StageContext& context, std::size_t benchmark) {
  context.stopped = true;
  if (!shares_starts(context.plan.scale_out)) return;
  try {
    detail::publish_stop(context.plan.scale_out, benchmark, "interrupted");
  } catch (const RunError& error) {  // the report of what completed comes first
    context.observer.on_note(error.what(), true);
  }
}

/// Before every benchmark but the first: a sharded run's barrier (all shards start it at one
/// instant, after shard 0 settled), or this process's own settle. Nullopt when the run stops here.
std::optional<report::Settle> before_benchmark(StageContext& context) {
  const std::size_t index = context.run_report.benchmarks.size();
  const ScaleOutPlan& scale_out = context.plan.scale_out;
  if (!shares_starts(scale_out)) return settle(context.scraper, context.plan.telemetry);

  const TimePoint ended = SteadyClock::now();
  std::optional<report::Settle> settled;
  if (scale_out.shard.index > 0) {
    context.observer.on_note(fmt::format("waiting for shard 0's start of benchmark {}", index + 1),
                             false);
  }
  detail::StartOutcome start;
  try {
    start = detail::await_benchmark_start(
        scale_out, index, [&] { settled = settle(context.scraper, context.plan.telemetry); },
        kStartFileTimeout, context.plan.telemetry.settle_timeout);
  } catch (const RunError& error) {  // a file of the barrier: stop, keeping what completed
    start.stopped = fmt::format("shard {} stopped before benchmark {}: {}", scale_out.shard.index,
                                index + 1, error.what());
  }
  if (start.signalled) {
    stop_interrupted(context, index);
    return std::nullopt;
  }
  if (!start.stopped.empty()) {  // the others read it in the stop file, or time out
    context.observer.on_note(start.stopped, true);
    context.run_report.run["shard_stopped"] = start.stopped;
    context.stopped = true;
    return std::nullopt;
  }
  if (!settled) {  // shard 0 settled for every shard
    settled.emplace();
    settled->method = "shard_start";
    settled->waited_s = to_seconds(SteadyClock::now() - ended);
  }
  settled->start_late_ms = to_seconds(std::chrono::system_clock::now() - *start.instant) * 1000.0;
  if (*settled->start_late_ms > 100) {
    context.observer.on_note(fmt::format("benchmark {} started {:.0f} ms after the shards' common "
                                         "instant (its start file was seen late)",
                                         index + 1, *settled->start_late_ms),
                             true);
  }
  return settled;
}

/// Runs one benchmark (after settling when it is not the first) into the run's report; false
/// when the run stopped before it.
bool run_stage(StageContext& context, const profile::ProfileSpec& spec) {
  std::optional<report::Settle> settled;
  if (!context.run_report.benchmarks.empty()) {
    settled = before_benchmark(context);
    if (!settled) return false;
  }
  if (context.scraper != nullptr) {
    context.scraper->scrape_now();  // the baseline of the counter deltas
    context.scraper->begin_capture();
  }
  metrics::BenchmarkResult result = context.runner.run(spec);
  report::BenchmarkReport benchmark = report::make_benchmark_report(result);
  benchmark.settle = settled;
  if (context.scraper != nullptr) {
    // The closing scrape makes the deltas cover the whole benchmark; skipped after Ctrl-C.
    if (!context.runner.interrupted()) context.scraper->scrape_now();
    telemetry::TelemetryCapture capture =
        context.scraper->take_capture(result.start, to_seconds(result.end - result.start));
    if (capture.server_missing_reason.empty())
      capture.server_missing_reason = context.server_missing;
    benchmark.telemetry = telemetry::summarise_telemetry(capture);
  } else {
    telemetry::TelemetrySummary none;
    none.notes.push_back("server metrics: " + context.server_missing);
    benchmark.telemetry = std::move(none);
  }
  context.run_report.benchmarks.push_back(std::move(benchmark));
  return true;
}

/// Runs every benchmark of the plan into `run_report`, a sweep's rate stages once its first two
/// stages have measured the rates; stops starting benchmarks once a signal interrupted one.
void run_stages(StageContext& context) {
  const profile::ProfilePlan& profiles = context.plan.profiles;
  engine::Runner& runner = context.runner;
  for (const auto& spec : profiles.benchmarks) {
    if (runner.interrupted()) {
      stop_interrupted(context, context.run_report.benchmarks.size());
      return;
    }
    if (!run_stage(context, spec)) return;
  }
  if (!profiles.sweep || runner.interrupted()) return;
  // GuideLLM's sweep: the rate stages lie between what synchronous and throughput achieved.
  const auto& benchmarks = context.run_report.benchmarks;
  const double synchronous_rate = benchmarks[0].metrics.throughput.requests_per_s;
  const double throughput_rate = benchmarks[1].metrics.throughput.requests_per_s;
  if (synchronous_rate <= 0 || throughput_rate <= 0) {
    context.observer.on_note("sweep stopped: no request succeeded in its first stages", true);
    return;
  }
  for (double rate :
       profile::sweep_rates(synchronous_rate, throughput_rate, profiles.sweep->benchmark_count)) {
    if (runner.interrupted()) return;
    run_stage(context, profile::sweep_stage(profiles, rate));
  }
}

}  // namespace

report::Report run_plan(RunPlan& plan, PlanObserver& observer) {
  // Target "sim": the built-in simulator, in-process on an ephemeral loopback port.
  std::unique_ptr<sim::SimServer> simulator;
  if (plan.embedded_sim) {
    simulator = std::make_unique<sim::SimServer>(*plan.embedded_sim);
    simulator->start();
    plan.target.client.base_url = http::parse_url(simulator->base_url());
  }
  if (plan.target.model.empty()) {
    plan.target.model = engine::discover_model(plan.target.client, plan.target.tls_context);
  }
  const NoteSink note = [&observer](std::string_view text, bool warning) {
    observer.on_note(text, warning);
  };
  const auto prompts = build_prompt_source(plan.workload, plan.target, note);

  report::Report run_report;
  run_report.llmpace_version = std::string(kVersion);
  run_report.created_at = plan.created_at;
  run_report.host = host_info();
  run_report.run = plan.run_config;
  run_report.run["model"] = plan.target.model;
  run_report.run["workload"] = prompts->describe();
  ResolvedScenario scenario = resolved_scenario(plan);
  run_report.run["scenario"] = std::move(scenario.settings);
  run_report.run["scenario_omitted"] = std::move(scenario.omitted);

  const std::size_t benchmark_count = plan.profiles.benchmark_count();
  engine::RunnerOptions options;
  options.threads = plan.threads;
  options.shard = plan.scale_out.shard;
  options.slo = plan.slo;
  SaturationStop saturation;
  options.on_start = [&](const profile::ProfileSpec& spec) {
    saturation.restart();
    observer.on_benchmark_start(run_report.benchmarks.size(), benchmark_count, spec);
  };
  if (plan.telemetry.stop_on_saturation) {
    options.over_saturated = [&saturation](const metrics::ProgressSnapshot& snapshot) {
      return saturation.over_saturated(snapshot);
    };
  }
  options.on_progress = [&](const metrics::ProgressSnapshot& snapshot) {
    observer.on_progress(snapshot);
  };
  options.body_hashes = observer.reads_body_hashes();
  options.on_record = [&](const metrics::RequestRecord& record, TimePoint start) {
    // On worker threads. The benchmark's position is stable while it runs:
    // run_report.benchmarks grows only between benchmarks.
    if (plan.telemetry.stop_on_saturation) saturation.on_record(record, start);
    observer.on_record(record, start, run_report.benchmarks.size());
  };
  engine::Runner runner(plan.target, prompts, options);
  // Everything is ready (simulator, model, prompts): the shards of a run start together here.
  if (plan.scale_out.start_at) {
    if (!plan.scale_out.start_file.empty() && plan.scale_out.shard.index > 0) {
      observer.on_note(
          fmt::format("waiting for shard 0's start instant in {}", plan.scale_out.start_file),
          false);
    } else {
      observer.on_note(
          fmt::format("waiting until {} to start", format_rfc3339_ms(*plan.scale_out.start_at)),
          false);
    }
    const detail::StartOutcome start =
        detail::await_common_start(plan.scale_out, kStartFileTimeout);
    if (start.signalled) {
      run_report.interrupted = true;
      if (simulator) simulator->stop();
      return run_report;
    }
    run_report.run["start_late_ms"] =
        to_seconds(std::chrono::system_clock::now() - *start.instant) * 1000.0;
  }
  std::string server_missing;
  const std::unique_ptr<engine::TelemetryScraper> scraper =
      start_scraper(plan, plan.embedded_sim && plan.embedded_sim->preset, server_missing);
  StageContext context{runner, plan, observer, scraper.get(), server_missing, run_report};
  run_stages(context);
  run_report.interrupted = runner.interrupted() || context.stopped;
  report::diagnose_report(run_report, plan.slo);
  if (simulator) simulator->stop();
  return run_report;
}

}  // namespace llmpace::plan
