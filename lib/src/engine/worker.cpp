#include "worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "llmpace/engine/request_execution.hpp"

namespace llmpace::engine {

namespace asio = boost::asio;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// Behind schedule, the arrival loop launches overdue arrivals back to back (waiting on an expired
/// timer would cost a pass of the event loop each), but lets the requests in flight run after
/// this many.
constexpr int kMaxLaunchesWithoutYield = 32;

}  // namespace

Worker::Lane::Lane(asio::any_io_executor executor, const Target& target,
                   std::shared_ptr<http::EndpointCache> endpoints)
    : connection(std::move(executor), target.client, target.tls_context, std::move(endpoints)),
      decoder(target.api) {}

Worker::Worker(RunShared& shared, std::shared_ptr<const workload::PromptSource> prompts,
               std::uint64_t first_prompt_index, WorkerPlan plan)
    : shared_(shared),
      prompts_(std::move(prompts)),
      first_prompt_index_(first_prompt_index),
      plan_(std::move(plan)),
      endpoints_(std::make_shared<http::EndpointCache>(
          io_.get_executor(), shared_.target.client.base_url, shared_.target.client.resolver)) {}

void Worker::prepare(Nanoseconds limit) {
  asio::steady_timer wait(io_);
  const TimePoint deadline = SteadyClock::now() + limit;
  asio::co_spawn(
      io_,
      [this, deadline, &wait]() -> asio::awaitable<void> {
        co_await endpoints_->async_endpoints(deadline, wait);
      },
      asio::detached);
  // Returns when the lookup has ended, or at the limit with the lookup still running: it goes on
  // when run() runs the io_context again, and the first connection waits for it.
  io_.run_until(deadline);
  wait.cancel();
  io_.poll();  // lets the cancelled wait complete while `wait` is alive
  io_.restart();
}

void Worker::run() {
  tally_ = metrics::RequestTally(shared_.start, shared_.slo);
  if (plan_.arrivals) {
    asio::co_spawn(io_, async_arrivals(), asio::detached);
  } else {
    for (int stream = 0; stream < plan_.streams; ++stream) {
      asio::co_spawn(io_, async_stream(), asio::detached);
    }
  }
  // Returns when every coroutine has ended: nothing else keeps the io_context busy.
  io_.run();
}

void Worker::stop(bool cancel_in_flight) {
  asio::post(io_, [this, cancel_in_flight] { stop_here(cancel_in_flight); });
}

void Worker::stop_here(bool cancel_in_flight) {
  stopping_ = true;
  arrival_timer_.cancel();
  slot_freed_.cancel();
  if (cancel_in_flight) {
    for (auto& lane : lanes_) lane.connection.cancel();
  }
}

Worker::Lane& Worker::acquire_lane() {
  if (idle_lanes_.empty()) {
    return lanes_.emplace_back(io_.get_executor(), shared_.target, endpoints_);
  }
  Lane& lane = *idle_lanes_.back();
  idle_lanes_.pop_back();
  return lane;
}

asio::awaitable<void> Worker::async_request(Lane& lane, std::uint64_t index, TimePoint scheduled,
                                            bool waited_for_slot, Conversation* conversation) {
  metrics::RequestRecord record;
  record.index = index;
  record.scheduled = scheduled;
  record.dispatched = SteadyClock::now();
  record.waited_for_slot = waited_for_slot;
  record.phase = shared_.spec.window.phase_of(scheduled - shared_.start, index);
  shared_.on_dispatched();
  workload::Prompt prompt = prompts_->prompt_for(first_prompt_index_ + index);
  std::string reply;
  std::string* const reply_buffer = conversation != nullptr ? &reply : nullptr;
  if (conversation != nullptr && conversation->turns_done > 0) {
    prompt.messages = conversation->messages;
    prompt.messages.push_back({{"role", "user"}, {"content", prompt.text}});
    prompt.expected_prompt_tokens = 0;  // the history's length is the server's to count
  }
  co_await async_execute_request(shared_.target, lane.connection, lane.decoder, prompt, record,
                                 reply_buffer, shared_.body_hashes);
  if (conversation != nullptr) {
    const bool go_on = record.status == metrics::RequestStatus::successful &&
                       conversation->turns_done + 1 < prompts_->turns();
    if (go_on) {
      conversation->messages.push_back({{"role", "user"}, {"content", prompt.text}});
      conversation->messages.push_back({{"role", "assistant"}, {"content", reply}});
      ++conversation->turns_done;
    } else {
      *conversation = Conversation{};
    }
  }
  shared_.on_finished(record);
  if (shared_.on_record) shared_.on_record(record, shared_.start);
  tally_.add(record);
  if (shared_.keep_records) records_.push_back(std::move(record));
}

asio::awaitable<void> Worker::async_stream() {
  Lane& lane = acquire_lane();
  const auto& max_requests = shared_.spec.max_requests;
  std::optional<Conversation> conversation;
  if (prompts_->turns() > 1) conversation.emplace();
  Conversation* const session = conversation ? &*conversation : nullptr;
  while (!stopping_ && !shared_.error_limit_reached()) {
    const std::uint64_t local = shared_.next_closed_index.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t index = local * static_cast<std::uint64_t>(plan_.shard.count) +
                                static_cast<std::uint64_t>(plan_.shard.index);
    if (max_requests && index >= static_cast<std::uint64_t>(*max_requests)) break;
    co_await async_request(lane, index, SteadyClock::now(), /*waited_for_slot=*/false, session);
  }
}

asio::awaitable<void> Worker::async_open_request(std::uint64_t index, TimePoint scheduled,
                                                 bool waited_for_slot) {
  Lane& lane = acquire_lane();
  co_await async_request(lane, index, scheduled, waited_for_slot);
  idle_lanes_.push_back(&lane);
  --in_flight_;
  slot_freed_.cancel_one();
}

asio::awaitable<void> Worker::async_arrivals() {
  profile::ArrivalSchedule& schedule = *plan_.arrivals;
  const profile::ProfileSpec& spec = shared_.spec;
  const std::optional<int> cap = plan_.concurrency_cap;
  int launches_without_yield = 0;
  while (!stopping_) {
    const std::uint64_t index = schedule.next_index();
    if (spec.max_requests && index >= static_cast<std::uint64_t>(*spec.max_requests)) break;
    const TimePoint due = shared_.start + schedule.next();
    if (spec.max_duration && due >= shared_.start + *spec.max_duration) break;
    if (due > SteadyClock::now()) {
      arrival_timer_.expires_at(due);
      co_await arrival_timer_.async_wait(kUseTuple);
      launches_without_yield = 0;
    } else if (++launches_without_yield >= kMaxLaunchesWithoutYield) {
      co_await asio::post(io_, asio::use_awaitable);
      launches_without_yield = 0;
    }
    if (stopping_ || shared_.error_limit_reached()) break;

    bool waited_for_slot = false;
    if (cap && in_flight_ >= *cap) {
      if (spec.when_full == profile::WhenFull::drop) {
        shared_.on_dropped();
        continue;
      }
      waited_for_slot = true;
      while (in_flight_ >= *cap && !stopping_) {
        slot_freed_.expires_at(TimePoint::max());
        co_await slot_freed_.async_wait(kUseTuple);
      }
      if (stopping_) break;
    }
    ++in_flight_;
    asio::co_spawn(io_, async_open_request(index, due, waited_for_slot), asio::detached);
  }
}

}  // namespace llmpace::engine
