// Per-tick and per-request cost of the progress statistics (issue 16): engine::RunShared, whose
// snapshot() the coordinator takes at every progress tick (also with --quiet) and whose
// on_finished() every finished request passes through on its worker thread.
//
//   BM_snapshot/N          RunShared::snapshot() after N successful requests (the real class,
//                          private to lib/src/engine, included from there): flat in N.
//   BM_on_finished         RunShared::on_finished() of one successful request, steady state.
//   BM_sorted_snapshot/N   what snapshot() did before LogHistogram, for comparison: copy every
//                          TTFT and ITL sample and nth_element each copy (O(N) per tick).
//   BM_histogram_median/N  LogHistogram::quantile(0.5) after N values, with its memory (bytes).
//
// TTFTs are log-normal around 50 ms, per-request mean ITLs around 10 ms (seeded).
//
//   cmake -B build-bench -DLLMPACE_BUILD_BENCH=ON ... && cmake --build build-bench --target
//   progress_stats_bench && build-bench/bench/progress_stats_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../lib/src/engine/run_shared.hpp"
#include "llmpace/core/random.hpp"
#include "llmpace/metrics/log_histogram.hpp"

namespace {

using namespace llmpace;

constexpr std::uint64_t kSeed = 16;

double ttft_ms(Rng& rng) { return 50 * std::exp(0.5 * standard_normal(rng)); }
double itl_ms(Rng& rng) { return 10 * std::exp(0.2 * standard_normal(rng)); }

Nanoseconds nanoseconds_of(double ms) {
  return Nanoseconds{static_cast<std::int64_t>(std::llround(ms * 1e6))};
}

/// A successful request with the given TTFT and two token chunks `itl` apart.
void shape_record(metrics::RequestRecord& record, double ttft, double itl) {
  record.status = metrics::RequestStatus::successful;
  record.sent = TimePoint{} + Seconds{1000};
  record.first_token = record.sent + nanoseconds_of(ttft);
  record.token_chunk_times.assign({record.first_token, record.first_token + nanoseconds_of(itl)});
  record.done = record.token_chunk_times.back();
}

/// A RunShared of a plain benchmark; its error limits never fire (every request succeeds).
struct SharedRun {
  engine::Target target;
  profile::ProfileSpec spec;
  engine::RunShared shared{target, spec};

  explicit SharedRun(std::int64_t requests) {
    shared.request_stop = [](metrics::StopReason) {};
    Rng rng(kSeed);
    metrics::RequestRecord record;
    for (std::int64_t i = 0; i < requests; ++i) {
      shape_record(record, ttft_ms(rng), itl_ms(rng));
      shared.on_dispatched();
      shared.on_finished(record);
    }
  }
};

void BM_snapshot(benchmark::State& state) {
  SharedRun run(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(run.shared.snapshot());
}
BENCHMARK(BM_snapshot)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_on_finished(benchmark::State& state) {
  SharedRun run(100'000);
  Rng rng(kSeed + 1);
  std::vector<metrics::RequestRecord> records(1024);
  for (auto& record : records) shape_record(record, ttft_ms(rng), itl_ms(rng));
  std::size_t next = 0;
  for (auto _ : state) {
    run.shared.on_finished(records[next]);
    next = (next + 1) % records.size();
  }
}
BENCHMARK(BM_on_finished);

/// The removed code: copy both sample vectors under the lock, then nth_element each copy.
void BM_sorted_snapshot(benchmark::State& state) {
  Rng rng(kSeed);
  std::vector<double> ttfts;
  std::vector<double> itls;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    ttfts.push_back(ttft_ms(rng));
    itls.push_back(itl_ms(rng));
  }
  const auto median_of = [](std::vector<double> values) {
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
  };
  for (auto _ : state) {
    std::vector<double> ttft_copy = ttfts;
    std::vector<double> itl_copy = itls;
    benchmark::DoNotOptimize(median_of(std::move(ttft_copy)));
    benchmark::DoNotOptimize(median_of(std::move(itl_copy)));
  }
}
BENCHMARK(BM_sorted_snapshot)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

void BM_histogram_median(benchmark::State& state) {
  Rng rng(kSeed);
  metrics::LogHistogram histogram;
  for (std::int64_t i = 0; i < state.range(0); ++i) histogram.record(ttft_ms(rng));
  for (auto _ : state) benchmark::DoNotOptimize(histogram.quantile(0.5));
  state.counters["bytes"] = static_cast<double>(histogram.allocated_buckets() * 8);
}
BENCHMARK(BM_histogram_median)
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
