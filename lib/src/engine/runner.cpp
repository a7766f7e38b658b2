#include "llmpace/engine/runner.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdlib>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/profile/arrival_schedule.hpp"
#include "run_shared.hpp"
#include "worker.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;
using metrics::StopReason;
using profile::ProfileKind;

namespace {

/// The longest the benchmark's start waits for each worker's name lookup; a slower lookup goes on
/// while the requests run, and they wait for it (up to --connect-timeout) as they would without
/// the wait.
constexpr Nanoseconds kLookupAheadLimit = Seconds{1};

/// One benchmark while it runs: the worker threads and, on the calling thread, the signals, the
/// time limit and the progress ticks. Lives on Runner::run's stack.
class Coordinator {
 public:
  Coordinator(const Target& target, const std::shared_ptr<const workload::PromptSource>& prompts,
              std::uint64_t first_prompt_index, const profile::ProfileSpec& spec,
              const RunnerOptions& options)
      : spec_(spec), options_(options), shared_(target, spec) {
    shared_.request_stop = [this](StopReason reason) {
      asio::post(io_, [this, reason] { stop(reason); });
    };
    shared_.on_record = options.on_record;
    shared_.slo = options.slo;
    shared_.keep_records = options.keep_records;
    shared_.body_hashes = options.body_hashes || options.keep_records;
    for (WorkerPlan& plan : plan_workers()) {
      workers_.push_back(
          std::make_unique<Worker>(shared_, prompts, first_prompt_index, std::move(plan)));
    }
  }

  metrics::BenchmarkResult run();

 private:
  std::vector<WorkerPlan> plan_workers() const;
  profile::ArrivalSchedule make_schedule() const;

  /// Ends the benchmark: no request starts any more; in-flight ones are cancelled unless a time
  /// limit ends a draining benchmark. Runs on the coordinator thread; idempotent, and a later
  /// signal still cancels a draining end.
  void stop(StopReason reason) {
    const bool cancel = !(reason == StopReason::max_seconds && spec_.drain);
    if (stopping_ && (cancelled_ || !cancel)) return;
    if (!stopping_) {
      stopping_ = true;
      stop_reason_ = reason;
      stop_time_ = SteadyClock::now();
    }
    if (reason == StopReason::signal) stop_reason_ = reason;
    cancelled_ = cancel;
    for (auto& worker : workers_) worker->stop(cancel);
  }

  void on_worker_finished() {
    if (--running_workers_ > 0) return;
    workers_running_.reset();
    deadline_timer_.cancel();
    progress_timer_.cancel();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
  }

  void watch_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int /*signal*/) {
      if (error) return;
      if (interrupted_) std::_Exit(kExitInterrupted);  // second signal: leave now
      interrupted_ = true;
      stop(StopReason::signal);
      if (running_workers_ > 0) watch_signals();  // else the run is over: nothing to wait for
    });
  }

  void schedule_progress() {
    progress_timer_.expires_after(options_.progress_interval);
    progress_timer_.async_wait([this](const boost::system::error_code& error) {
      // A tick already due when the last worker finished escapes the cancel: check as well.
      if (error || running_workers_ == 0) return;
      report_progress(SteadyClock::now(), /*final=*/false);
      schedule_progress();
    });
  }

  void report_progress(TimePoint now, bool final) {
    metrics::ProgressSnapshot snapshot = shared_.snapshot();
    snapshot.elapsed_s = to_seconds(now - shared_.start);
    if (spec_.max_duration) snapshot.max_seconds = to_seconds(*spec_.max_duration);
    snapshot.max_requests = spec_.max_requests;
    snapshot.successful_per_s =
        snapshot.elapsed_s > 0 ? static_cast<double>(snapshot.successful) / snapshot.elapsed_s : 0;
    snapshot.final = final;
    options_.on_progress(snapshot);
    if (!final && options_.over_saturated && options_.over_saturated(snapshot)) {
      stop(StopReason::over_saturated);
    }
  }

  const profile::ProfileSpec& spec_;
  const RunnerOptions& options_;
  asio::io_context io_{1};
  // Keeps io_.run() going until the last worker has finished, also when nothing else would (no
  // signal handlers, time limit or progress ticks): the workers' stop requests are posted to it.
  asio::executor_work_guard<asio::io_context::executor_type> workers_running_{io_.get_executor()};
  asio::steady_timer deadline_timer_{io_};
  asio::steady_timer progress_timer_{io_};
  asio::signal_set signals_{io_};
  RunShared shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int running_workers_ = 0;
  bool stopping_ = false;
  bool cancelled_ = false;
  bool interrupted_ = false;
  StopReason stop_reason_ = StopReason::requests_done;
  TimePoint stop_time_;
};

profile::ArrivalSchedule Coordinator::make_schedule() const {
  switch (spec_.kind) {
    case ProfileKind::constant:
      return profile::ArrivalSchedule::constant(spec_.rate_per_s, spec_.rampup);
    case ProfileKind::poisson:
      return profile::ArrivalSchedule::poisson(spec_.rate_per_s, spec_.seed, spec_.burstiness,
                                               spec_.rampup);
    case ProfileKind::replay:
      return profile::ArrivalSchedule::replay(spec_.replay_offsets);
    default:
      return profile::ArrivalSchedule::throughput();
  }
}

std::vector<WorkerPlan> Coordinator::plan_workers() const {
  const int threads = std::max(1, options_.threads);
  const Shard shard = options_.shard;
  std::vector<WorkerPlan> plans;
  if (!profile::is_open_loop(spec_.kind)) {
    const int all_streams = spec_.kind == ProfileKind::synchronous ? 1 : spec_.streams;
    const int streams = share_of(all_streams, shard.index, shard.count);
    const int count = std::min(threads, streams);
    for (int worker = 0; worker < count; ++worker) {
      WorkerPlan plan;
      plan.streams = share_of(streams, worker, count);
      plan.shard = shard;
      plans.push_back(std::move(plan));
    }
    return plans;
  }
  std::optional<int> cap = spec_.concurrency_cap();
  if (cap) cap = share_of(*cap, shard.index, shard.count);
  const int count = cap ? std::min(threads, *cap) : threads;
  const profile::ArrivalSchedule schedule = make_schedule();
  for (int worker = 0; worker < count; ++worker) {
    WorkerPlan plan;
    // Worker w of shard I: the arrivals n ≡ I + wN (mod NW); the shard's workers together take
    // n ≡ I (mod N).
    plan.arrivals = schedule.for_worker(shard.index + worker * shard.count, shard.count * count);
    if (cap) plan.concurrency_cap = share_of(*cap, worker, count);
    plans.push_back(std::move(plan));
  }
  return plans;
}

metrics::BenchmarkResult Coordinator::run() {
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    watch_signals();
  }
  if (options_.on_start) options_.on_start(spec_);

  // Name lookups happen before the clock starts: they are not part of the schedule.
  const Nanoseconds lookup_limit =
      std::min(kLookupAheadLimit, shared_.target.client.timeouts.connect);
  for (auto& worker : workers_) worker->prepare(lookup_limit);

  metrics::BenchmarkResult result;
  result.profile = spec_.kind;
  result.rate = spec_.report_rate();
  result.workers = static_cast<int>(workers_.size());
  result.start = SteadyClock::now();
  result.wall_start = std::chrono::system_clock::now();
  shared_.start = result.start;
  if (spec_.max_duration) {
    deadline_timer_.expires_at(result.start + *spec_.max_duration);
    deadline_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) stop(StopReason::max_seconds);
    });
  }
  if (options_.on_progress) schedule_progress();

  // Each thread reports its end to the coordinator; an exception leaves its worker and is
  // rethrown here once every thread has been joined.
  std::vector<std::exception_ptr> failures(workers_.size());
  std::vector<std::thread> threads;
  running_workers_ = static_cast<int>(workers_.size());
  if (running_workers_ == 0) workers_running_.reset();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    threads.emplace_back([this, i, &failures] {
      try {
        workers_[i]->run();
      } catch (...) {
        failures[i] = std::current_exception();
      }
      asio::post(io_, [this] { on_worker_finished(); });
    });
  }
  io_.run();
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }

  // A benchmark cut short ends at its stop; one that ran out of requests, or drained, ends when
  // its last request did.
  const TimePoint finished = SteadyClock::now();
  result.end = stopping_ && cancelled_ ? stop_time_ : finished;
  result.interrupted = interrupted_;
  result.stop_reason = stop_reason_;
  result.slo = options_.slo;
  result.tally = metrics::RequestTally(result.start, result.slo);
  for (auto& worker : workers_) {
    result.tally.merge(std::move(worker->tally()));
    auto& records = worker->records();
    result.records.insert(result.records.end(), std::make_move_iterator(records.begin()),
                          std::make_move_iterator(records.end()));
  }
  result.tally.sort_intervals();
  std::sort(result.records.begin(), result.records.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  if (options_.on_progress) report_progress(finished, /*final=*/true);
  result.dropped = shared_.dropped();
  return result;
}

}  // namespace

Runner::Runner(Target target, std::shared_ptr<const workload::PromptSource> prompts,
               RunnerOptions options)
    : target_(std::move(target)), prompts_(std::move(prompts)), options_(std::move(options)) {}

metrics::BenchmarkResult Runner::run(const profile::ProfileSpec& spec) {
  Coordinator coordinator(target_, prompts_, prompts_used_, spec, options_);
  metrics::BenchmarkResult result = coordinator.run();
  // Later benchmarks of the run get fresh prompts, so a prefix cache never sees one twice. Shards
  // move on by a multiple of their count: shard I's prompt indices then stay ≡ I (mod N), and
  // never meet another shard's however far each got.
  if (const std::uint64_t used = result.tally.end_index(); used > 0) {
    const auto shards = static_cast<std::uint64_t>(options_.shard.count);
    prompts_used_ += (used + shards - 1) / shards * shards;
  }
  interrupted_ = interrupted_ || result.interrupted;
  return result;
}

}  // namespace llmpace::engine
