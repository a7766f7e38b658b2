// Worker: one thread's share of a benchmark, on its own io_context (shared-nothing: workers never
// touch each other's connections, timers or records).
//
// - Closed loop (synchronous, concurrent): `streams` coroutines, each with its own keep-alive
//   connection, start a request, await its end and start the next. Request indices come from
//   the shared counter so that --max-requests holds across workers. `scheduled` is the instant
//   the stream became free. With a multi-turn workload (PromptSource::turns() > 1) each stream
//   holds a Conversation: a follow-up sends the messages so far (earlier prompts and the model's
//   actual replies) and its own prompt; after the last turn, or a failed one, a new one starts.
// - Open loop (throughput, constant, poisson): one arrival coroutine walks this worker's share of
//   the arrival schedule (ArrivalSchedule::for_worker), sleeps on a timer until each due time and
//   launches the request on a free keep-alive connection, opening one when none is free.
//   `scheduled` is the due time. With a concurrency cap (this worker's share of it) an arrival
//   that finds the cap full waits for a slot or is dropped, as the profile says.
//
// Name resolution: once per worker. Its lanes' connections share one EndpointCache, which looks
// the host up in prepare(), before the benchmark's clock starts (or, should that lookup fail or
// outlast its limit, when the first connection opens), and again only after connecting to the
// endpoints found has failed (see endpoint_cache.hpp). Per worker rather than per benchmark, so
// that workers share nothing; that is one lookup per thread.
//
// Thread affinity: construct and prepare() on the coordinator thread; run() on the worker's own
// thread; stop() from any thread. tally() and records() after run() has returned.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <list>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "llmpace/engine/shard.hpp"
#include "llmpace/http/connection.hpp"
#include "llmpace/http/endpoint_cache.hpp"
#include "llmpace/metrics/request_record.hpp"
#include "llmpace/metrics/request_tally.hpp"
#include "llmpace/openai/chunk_decoder.hpp"
#include "llmpace/profile/arrival_schedule.hpp"
#include "llmpace/workload/prompt.hpp"
#include "run_shared.hpp"

namespace llmpace::engine {

/// What one worker sends: closed-loop streams, or a share of the open-loop arrivals.
struct WorkerPlan {
  int streams = 0;  // closed loop
  Shard shard;      // closed loop: local request k is the benchmark's request k * count + index
  std::optional<profile::ArrivalSchedule> arrivals;  // open loop: this worker's share
  std::optional<int> concurrency_cap;                // open loop: this worker's share of the cap
};

class Worker {
 public:
  Worker(RunShared& shared, std::shared_ptr<const workload::PromptSource> prompts,
         std::uint64_t first_prompt_index, WorkerPlan plan);

  /// Looks the target's host up ahead of the benchmark's clock, waiting at most `limit`, so that
  /// the first requests do not wait for the lookup (and for the resolver thread Asio starts for
  /// it): 1–3 ms for 127.0.0.1 here, more for a name that takes DNS queries, in which the first
  /// open-loop arrivals fell behind their schedule. A lookup that fails or outlasts `limit` is
  /// left to the requests, as without this call. Call at most once, before run().
  void prepare(Nanoseconds limit);
  /// Sends this worker's requests; returns once all of them have ended. Call once.
  void run();
  /// Stops starting requests; with `cancel_in_flight` also cancels those in flight (they are
  /// recorded as incomplete). Safe from any thread; calling it again may add the cancel.
  void stop(bool cancel_in_flight);

  /// This worker's requests, tallied as each ended.
  [[nodiscard]] metrics::RequestTally& tally() { return tally_; }
  /// Their records, with RunnerOptions::keep_records only.
  [[nodiscard]] std::deque<metrics::RequestRecord>& records() { return records_; }

 private:
  /// What one request in flight needs besides its record: a keep-alive connection and a chunk
  /// decoder (its parser and buffers are the thread's). Lanes are reused from request to request.
  struct Lane {
    Lane(boost::asio::any_io_executor executor, const Target& target,
         std::shared_ptr<http::EndpointCache> endpoints);
    http::Connection connection;
    openai::ChunkDecoder decoder;
  };

  /// A closed-loop stream's chat session so far.
  struct Conversation {
    nlohmann::json messages = nlohmann::json::array();  // user and assistant turns, in order
    std::int64_t turns_done = 0;
  };

  void stop_here(bool cancel_in_flight);
  Lane& acquire_lane();
  boost::asio::awaitable<void> async_request(Lane& lane, std::uint64_t index, TimePoint scheduled,
                                             bool waited_for_slot,
                                             Conversation* conversation = nullptr);
  boost::asio::awaitable<void> async_stream();
  boost::asio::awaitable<void> async_open_request(std::uint64_t index, TimePoint scheduled,
                                                  bool waited_for_slot);
  boost::asio::awaitable<void> async_arrivals();

  RunShared& shared_;
  const std::shared_ptr<const workload::PromptSource> prompts_;
  const std::uint64_t first_prompt_index_;
  WorkerPlan plan_;

  // Run by one thread at a time (prepare() on the coordinator's, before run() on the worker's),
  // and its sockets and timers are used only there: the reactor can skip its lock per socket
  // operation (2 lock pairs per request). The scheduler keeps its lock, for stop()'s post from
  // another thread and for the resolver's completions.
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  boost::asio::steady_timer arrival_timer_{io_};  // the open loop's wait for the next due time
  boost::asio::steady_timer slot_freed_{io_};     // cancelled (cancel_one) when a request ends
  const std::shared_ptr<http::EndpointCache> endpoints_;  // shared by the lanes' connections
  std::list<Lane> lanes_;  // stable addresses: requests hold references while in flight
  std::vector<Lane*> idle_lanes_;
  metrics::RequestTally tally_;  // placed at the benchmark's start by run()
  // A deque, not a vector: growing never moves the records already kept, which at 10,000 req/s
  // stalled the event loop for milliseconds at every doubling (docs/performance.md).
  std::deque<metrics::RequestRecord> records_;  // with keep_records only
  int in_flight_ = 0;                           // open loop
  bool stopping_ = false;
};

}  // namespace llmpace::engine
