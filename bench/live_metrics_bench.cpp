// CPU cost of prom::LiveMetrics::on_record, the --metrics-port hook that every finished request
// passes through on its worker thread: counters by outcome, output tokens, one TTFT observation
// and one ITL observation per gap between token chunks (prometheus::Summary, a short lock each).
// Run with 1, 2 and 4 threads feeding one LiveMetrics, as the engine's workers do.
//
//   cmake -B build-bench -DLLMPACE_BUILD_BENCH=ON ... && cmake --build build-bench --target
//   live_metrics_bench && build-bench/bench/live_metrics_bench
#include <benchmark/benchmark.h>

#include "llmpace/prom/live_metrics.hpp"

namespace {

using namespace llmpace;

/// A successful streamed request with `chunks` token chunks 10 ms apart.
metrics::RequestRecord streamed_record(int chunks) {
  metrics::RequestRecord record;
  record.status = metrics::RequestStatus::successful;
  const TimePoint start = TimePoint{} + Seconds{1000};
  record.sent = start;
  for (int i = 0; i < chunks; ++i) {
    record.token_chunk_times.push_back(start + Milliseconds{50 + 10 * i});
  }
  record.first_token = record.token_chunk_times.front();
  record.done = record.token_chunk_times.back();
  record.output_tokens = chunks;
  return record;
}

prom::LiveMetrics& live_metrics() {
  static prom::LiveMetrics live;
  static const plan::RunPlan plan = [] {
    plan::RunPlan p;
    p.target.model = "m";
    return p;
  }();
  static const bool started = [] {
    live.begin_run(prom::Grouping{.suite = "s", .variant = "v", .scenario = "c"}, plan);
    live.on_benchmark_start(0, 1, profile::ProfileSpec{});
    return true;
  }();
  (void)started;
  return live;
}

void BM_on_record(benchmark::State& state) {
  prom::LiveMetrics& live = live_metrics();
  const int chunks = static_cast<int>(state.range(0));
  const metrics::RequestRecord record = streamed_record(chunks);
  for (auto _ : state) live.on_record(record, TimePoint{}, 0);
  state.SetItemsProcessed(state.iterations() * chunks);  // items: token chunks
}
BENCHMARK(BM_on_record)
    ->Arg(1)
    ->Arg(32)
    ->Arg(256)
    ->Threads(1)
    ->Threads(2)
    ->Threads(4)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
