#include "llmpace/engine/runner.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <list>
#include <optional>
#include <vector>

#include "llmpace/core/error.hpp"
#include "llmpace/engine/request_execution.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/profile/arrival_schedule.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;
using profile::ProfileKind;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// What one request in flight needs besides its record: a keep-alive connection and a chunk
/// decoder (which keeps its parser buffers). Lanes are reused from request to request.
struct Lane {
  Lane(asio::any_io_executor executor, const Target& target)
      : connection(std::move(executor), target.client, target.tls_context), decoder(target.api) {}
  http::Connection connection;
  openai::ChunkDecoder decoder;
};

/// The state of one benchmark while it runs. Lives on Runner::run's stack; everything in it is
/// touched only from the io_context thread.
class BenchmarkRun {
 public:
  BenchmarkRun(const Target& target, const workload::SyntheticPromptSource& prompts,
               std::uint64_t first_prompt_index, const profile::ProfileSpec& spec)
      : target_(target),
        prompts_(prompts),
        first_prompt_index_(first_prompt_index),
        spec_(spec),
        deadline_timer_(io_),
        arrival_timer_(io_),
        slot_freed_(io_),
        signals_(io_) {}

  metrics::BenchmarkResult run(const RunnerOptions& options);

 private:
  bool may_start_another() const {
    return !stopping_ &&
           (!spec_.max_requests || next_index_ < static_cast<std::uint64_t>(*spec_.max_requests));
  }

  /// Stops starting requests and cancels those in flight. Idempotent.
  void stop() {
    if (stopping_) return;
    stopping_ = true;
    stop_time_ = SteadyClock::now();
    for (auto& lane : lanes_) lane.connection.cancel();
    arrival_timer_.cancel();
    slot_freed_.cancel();
  }

  /// Called whenever a producer of requests (a closed-loop stream, the arrival loop, one open-loop
  /// request) ends; the last one ends the benchmark.
  void on_task_finished() {
    if (--active_tasks_ > 0) return;
    deadline_timer_.cancel();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
  }

  Lane& acquire_lane() {
    if (idle_lanes_.empty()) return lanes_.emplace_back(io_.get_executor(), target_);
    Lane& lane = *idle_lanes_.back();
    idle_lanes_.pop_back();
    return lane;
  }

  /// Runs request `index` on `lane` and keeps its record.
  asio::awaitable<void> async_request(Lane& lane, std::uint64_t index, TimePoint scheduled) {
    metrics::RequestRecord record;
    record.index = index;
    record.scheduled = scheduled;
    const workload::Prompt prompt = prompts_.prompt_for(first_prompt_index_ + index);
    co_await async_execute_request(target_, lane.connection, lane.decoder, prompt, record);
    records_.push_back(std::move(record));
  }

  /// Closed loop: one stream, starting the next request as soon as its last one ended.
  asio::awaitable<void> async_stream() {
    Lane& lane = acquire_lane();
    while (may_start_another()) {
      co_await async_request(lane, next_index_++, SteadyClock::now());
    }
    on_task_finished();
  }

  /// Open loop: one request, due at `scheduled`, on a free lane.
  asio::awaitable<void> async_open_request(std::uint64_t index, TimePoint scheduled) {
    Lane& lane = acquire_lane();
    co_await async_request(lane, index, scheduled);
    idle_lanes_.push_back(&lane);
    --in_flight_;
    slot_freed_.cancel_one();
    on_task_finished();
  }

  /// Open loop: waits for each arrival's due time (computed from the start, never from the
  /// previous send) and launches it. With a concurrency cap, an arrival finding every slot taken
  /// waits for one; its send lag shows the wait.
  asio::awaitable<void> async_arrivals(profile::ArrivalSchedule schedule, TimePoint start) {
    const std::optional<int> cap = spec_.concurrency_cap();
    while (may_start_another()) {
      const TimePoint due = start + schedule.next();
      if (spec_.max_duration && due >= start + *spec_.max_duration) break;
      arrival_timer_.expires_at(due);
      co_await arrival_timer_.async_wait(kUseTuple);
      while (cap && in_flight_ >= *cap && !stopping_) {
        slot_freed_.expires_at(TimePoint::max());
        co_await slot_freed_.async_wait(kUseTuple);
      }
      if (stopping_) break;
      ++in_flight_;
      ++active_tasks_;
      asio::co_spawn(io_, async_open_request(next_index_++, due), asio::detached);
    }
    on_task_finished();
  }

  profile::ArrivalSchedule make_schedule() const {
    switch (spec_.kind) {
      case ProfileKind::constant:
        return profile::ArrivalSchedule::constant(spec_.rate_per_s, spec_.rampup);
      case ProfileKind::poisson:
        return profile::ArrivalSchedule::poisson(spec_.rate_per_s, spec_.seed, spec_.burstiness,
                                                 spec_.rampup);
      default:
        return profile::ArrivalSchedule::throughput();
    }
  }

  void watch_signals() {
    signals_.async_wait([this](const boost::system::error_code& error, int /*signal*/) {
      if (error) return;
      if (stopping_ && interrupted_) std::_Exit(kExitInterrupted);  // second signal: leave now
      interrupted_ = true;
      stop();
      watch_signals();
    });
  }

  const Target& target_;
  const workload::SyntheticPromptSource& prompts_;
  const std::uint64_t first_prompt_index_;
  const profile::ProfileSpec& spec_;

  asio::io_context io_;
  asio::steady_timer deadline_timer_;
  asio::steady_timer arrival_timer_;  // the open loop's wait for the next due time
  asio::steady_timer slot_freed_;     // cancelled (cancel_one) when an open-loop request ends
  asio::signal_set signals_;
  std::list<Lane> lanes_;  // stable addresses: requests hold references while in flight
  std::vector<Lane*> idle_lanes_;
  std::vector<metrics::RequestRecord> records_;
  std::uint64_t next_index_ = 0;
  int active_tasks_ = 0;
  int in_flight_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  TimePoint stop_time_;
};

metrics::BenchmarkResult BenchmarkRun::run(const RunnerOptions& options) {
  if (options.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    watch_signals();
  }

  metrics::BenchmarkResult result;
  result.profile = std::string(profile::to_string(spec_.kind));
  result.rate = spec_.report_rate();
  result.start = SteadyClock::now();
  if (spec_.max_duration) {
    deadline_timer_.expires_at(result.start + *spec_.max_duration);
    deadline_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) stop();
    });
  }
  if (profile::is_open_loop(spec_.kind)) {
    active_tasks_ = 1;
    asio::co_spawn(io_, async_arrivals(make_schedule(), result.start), asio::detached);
  } else {
    const int streams = spec_.kind == ProfileKind::synchronous ? 1 : spec_.streams;
    active_tasks_ = streams;
    for (int stream = 0; stream < streams; ++stream) {
      asio::co_spawn(io_, async_stream(), asio::detached);
    }
  }
  if (options.on_start) options.on_start(spec_);
  io_.run();

  // A benchmark stopped by its clock ends at the stop; one that ran out of requests ends when
  // its last request did.
  result.end = stopping_ ? stop_time_ : SteadyClock::now();
  result.interrupted = interrupted_;
  result.records = std::move(records_);
  return result;
}

}  // namespace

Runner::Runner(Target target, workload::SyntheticPromptSource prompts, RunnerOptions options)
    : target_(std::move(target)), prompts_(prompts), options_(std::move(options)) {}

metrics::BenchmarkResult Runner::run(const profile::ProfileSpec& spec) {
  BenchmarkRun run(target_, prompts_, prompts_used_, spec);
  metrics::BenchmarkResult result = run.run(options_);
  // Later benchmarks of the run get fresh prompts, so a prefix cache never sees one twice.
  prompts_used_ += result.records.size();
  interrupted_ = interrupted_ || result.interrupted;
  return result;
}

}  // namespace llmpace::engine
