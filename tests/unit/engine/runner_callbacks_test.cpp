// RunnerOptions callbacks as runner.hpp documents them: on_start once before the first request,
// on_record once per request with the benchmark's start, on_progress on the calling thread at each
// interval and once more, final, at the end.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "llmpace/metrics/summary.hpp"
#include "unit/engine/engine_fixture.hpp"

using llmpace::ProfileKind;
using llmpace::SteadyClock;
using llmpace::TimePoint;
using llmpace::metrics::ProgressSnapshot;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::profile::ProfileSpec;
using llmpace::test::fast_sim_options;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

TEST_CASE("on_start, on_record and on_progress fire as documented") {
  auto sim_options = fast_sim_options();
  sim_options.itl = 5ms;
  const auto sim = start_sim(sim_options);
  ProfileSpec spec;
  spec.kind = ProfileKind::concurrent;
  spec.streams = 2;
  spec.max_requests = 12;  // 6 per stream of ~40 ms each: a benchmark of ~250 ms

  const std::thread::id caller = std::this_thread::get_id();
  auto options = test_runner_options(2);
  options.progress_interval = 20ms;

  int starts = 0;
  TimePoint started_at;
  options.on_start = [&](const ProfileSpec& started) {
    ++starts;
    started_at = SteadyClock::now();
    CHECK(started.kind == ProfileKind::concurrent);
    CHECK(started.streams == 2);
    CHECK(std::this_thread::get_id() == caller);
  };

  std::mutex records_mutex;  // on_record runs on the worker threads
  std::vector<std::uint64_t> recorded_indices;
  std::vector<TimePoint> record_starts;
  std::set<std::thread::id> record_threads;
  options.on_record = [&](const RequestRecord& record, TimePoint benchmark_start) {
    const std::lock_guard lock(records_mutex);
    recorded_indices.push_back(record.index);
    record_starts.push_back(benchmark_start);
    record_threads.insert(std::this_thread::get_id());
    CHECK(record.status == RequestStatus::successful);  // complete by the time it is reported
  };

  std::vector<ProgressSnapshot> snapshots;
  bool progress_off_thread = false;
  options.on_progress = [&](const ProgressSnapshot& snapshot) {
    snapshots.push_back(snapshot);
    if (std::this_thread::get_id() != caller) progress_off_thread = true;
  };

  const auto result =
      run_benchmark(target_for(sim->base_url()), spec, options, /*output_tokens=*/8);
  REQUIRE(result.records.size() == 12);

  CHECK(starts == 1);
  CHECK(started_at <= result.start);  // before the first request
  for (const RequestRecord& record : result.records) CHECK(record.dispatched >= started_at);

  std::sort(recorded_indices.begin(), recorded_indices.end());
  CHECK(recorded_indices == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  for (const TimePoint start : record_starts) CHECK(start == result.start);
  CHECK(record_threads.count(std::this_thread::get_id()) == 0);  // workers' threads

  CHECK_FALSE(progress_off_thread);
  REQUIRE(snapshots.size() >= 2);
  CHECK(snapshots.back().final);
  CHECK(std::count_if(snapshots.begin(), snapshots.end(),
                      [](const ProgressSnapshot& s) { return s.final; }) == 1);
  for (std::size_t i = 1; i < snapshots.size(); ++i) {
    CHECK(snapshots[i].elapsed_s >= snapshots[i - 1].elapsed_s);
    CHECK(snapshots[i].successful >= snapshots[i - 1].successful);
  }
  const ProgressSnapshot& last = snapshots.back();
  CHECK(last.started == 12);
  CHECK(last.successful == 12);
  CHECK(last.errored == 0);
  CHECK(last.in_flight == 0);
  CHECK(last.max_requests == 12);
  REQUIRE(last.ttft_p50_ms);
  CHECK(*last.ttft_p50_ms > 0);
  REQUIRE(last.itl_p50_ms);
  CHECK(*last.itl_p50_ms >= 4.0);  // the simulator's 5 ms between tokens, give or take
  // The final medians are the exact (type 7) medians of the records within 2^-10.
  std::vector<double> ttfts_ms;
  for (const RequestRecord& record : result.records)
    ttfts_ms.push_back(llmpace::to_ms(record.first_token - record.sent));
  std::sort(ttfts_ms.begin(), ttfts_ms.end());
  const double exact_ms = llmpace::metrics::percentile_of_sorted(ttfts_ms, 50);
  CHECK(std::abs(*last.ttft_p50_ms - exact_ms) <= exact_ms / 1024);
}

TEST_CASE("no callbacks set: a benchmark runs without them") {
  const auto sim = start_sim();
  ProfileSpec spec;
  spec.kind = ProfileKind::synchronous;
  spec.max_requests = 3;
  auto options = test_runner_options();
  options.progress_interval = 1ms;  // no on_progress: no ticks either
  const auto result = run_benchmark(target_for(sim->base_url()), spec, options);
  CHECK(result.records.size() == 3);
}
