// Private to the simulator: where a session's output tokens come from. Both sources have the same
// shape: `co_await async_next()` returns once the next token is due (the session then writes it),
// take_if_due(now) takes the next token at once if it is due already (a session that fell behind
// writes such tokens together), and scheduled() tells when the request left the queue.
//
// - SimpleTokenSource: the per-request LatencyModel. Token k is due at received + ttft + gap_1 +
//   ... + gap_k; deadlines are absolute, so a late write never delays the tokens after it. Nothing
//   queues, so scheduled() is the time the request was read.
// - InferenceTokenSource: the shared inference model (InferenceDriver). The request is submitted
//   on construction and its tokens arrive as the model's steps end. Destroying the source before
//   the last token aborts the request in the model (its KV blocks are freed), as a disconnect does
//   in vLLM.
//
// Thread affinity: a source lives in one session coroutine, on that session's io thread.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>

#include "inference_driver.hpp"
#include "llmpace/sim/latency_model.hpp"

namespace llmpace::sim::detail {

class SimpleTokenSource {
 public:
  SimpleTokenSource(boost::asio::any_io_executor executor, LatencyModel& model, TimePoint received,
                    std::int64_t prompt_tokens)
      : timer_(std::move(executor)),
        model_(model),
        received_(received),
        prompt_tokens_(prompt_tokens) {}

  [[nodiscard]] std::optional<TimePoint> scheduled() const { return received_; }

  // Not a coroutine itself: it hands back the timer's wait, which saves a coroutine frame and a
  // resumption per token.
  boost::asio::awaitable<void> async_next() {
    prepare();
    prepared_ = false;
    timer_.expires_at(deadline_);
    return timer_.async_wait(boost::asio::use_awaitable);
  }

  /// Takes the next token without waiting if it is due at `now` (its deadline has passed).
  bool take_if_due(TimePoint now) {
    prepare();
    if (deadline_ > now) return false;  // async_next() will wait for it, with this deadline
    prepared_ = false;
    return true;
  }

  /// Nothing to give back: the simple model holds no shared state.
  void abandon() {}

 private:
  // Draws the next token's deadline once (the model is asked once per token, as before).
  void prepare() {
    if (prepared_) return;
    deadline_ = next_token_ == 0 ? received_ + model_.time_to_first_token(prompt_tokens_)
                                 : deadline_ + model_.inter_token_latency();
    ++next_token_;
    prepared_ = true;
  }

  boost::asio::steady_timer timer_;
  LatencyModel& model_;
  TimePoint received_;
  std::int64_t prompt_tokens_;
  TimePoint deadline_;  // of the last token drawn
  std::int64_t next_token_ = 0;
  bool prepared_ = false;  // deadline_ is that of a token not yet taken
};

class InferenceTokenSource {
 public:
  InferenceTokenSource(boost::asio::any_io_executor executor, unsigned thread,
                       InferenceDriver& driver, std::int64_t prompt_tokens,
                       std::int64_t output_tokens, std::vector<std::uint64_t> prompt_block_hashes)
      : driver_(driver),
        ticket_(std::make_shared<InferenceTicket>(std::move(executor), thread)),
        output_tokens_(output_tokens) {
    driver_.submit(ticket_, prompt_tokens, output_tokens, std::move(prompt_block_hashes));
  }
  ~InferenceTokenSource() { abandon(); }
  InferenceTokenSource(const InferenceTokenSource&) = delete;
  InferenceTokenSource& operator=(const InferenceTokenSource&) = delete;

  [[nodiscard]] std::optional<TimePoint> scheduled() const { return scheduled_; }

  boost::asio::awaitable<void> async_next() {
    while (!take_if_due({})) {
      // A delivery cancels the wait; an event that came while we were writing is in the queue.
      ticket_->wake.expires_at(TimePoint::max());
      co_await ticket_->wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  }

  /// Takes the next token if the driver has delivered it already (`now` is not needed).
  bool take_if_due(TimePoint /*now*/) {
    while (!ticket_->events.empty()) {
      const InferenceEvent event = ticket_->events.front();
      ticket_->events.pop_front();
      if (event.kind == InferenceEvent::Kind::scheduled) {
        if (!scheduled_) scheduled_ = event.time;
        continue;
      }
      if (++tokens_received_ == output_tokens_) done_ = true;
      return true;
    }
    return false;
  }

  /// Gives the request up: the model frees its KV blocks. Idempotent; no-op once all tokens came.
  void abandon() {
    if (done_) return;
    done_ = true;
    driver_.abort(ticket_);
  }

 private:
  InferenceDriver& driver_;
  std::shared_ptr<InferenceTicket> ticket_;
  std::int64_t output_tokens_;
  std::int64_t tokens_received_ = 0;
  std::optional<TimePoint> scheduled_;
  bool done_ = false;
};

}  // namespace llmpace::sim::detail
