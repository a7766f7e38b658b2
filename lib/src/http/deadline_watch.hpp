// DeadlineWatch: the two time limits of one exchange on a plain TCP socket — the request's total
// deadline and the idle limit (the longest silence) — kept by one timer per exchange. A read only
// moves the idle deadline forward (a store); the timer, when it fires before the moved deadline,
// re-arms itself for it. When a limit passes it cancels the socket's operations, so the pending
// wait completes with operation_aborted and expired() tells the exchange why.
//
// Beast's tcp_stream re-arms its timer for every read (cancel, then a new wait: two timer
// operations and a handler per read); here a whole exchange costs one wait and one cancel.
//
// Thread affinity: the io_context of its executor, like the socket it watches. The socket must
// outlive the watch's start()..stop() span; the watch itself may be destroyed at any time (its
// timer's state is shared with the pending handler).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "llmpace/core/time.hpp"

namespace llmpace::http {

class DeadlineWatch {
 public:
  explicit DeadlineWatch(boost::asio::any_io_executor executor);
  ~DeadlineWatch();
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  /// Watches `socket` from now: expires at `total_deadline`, or after `idle` without touch().
  void start(boost::asio::ip::tcp::socket& socket, TimePoint total_deadline, Nanoseconds idle);
  /// Something was read or written at `now`: the idle limit counts from here.
  void touch(TimePoint now);
  /// Ends the watch (the exchange is over); the socket is left alone from here.
  void stop();

  /// A limit passed and the socket's operations were cancelled.
  [[nodiscard]] bool expired() const;
  /// When expired(): it was the total deadline (not the idle limit) that passed.
  [[nodiscard]] bool total_deadline_passed() const;

 private:
  struct State;
  static void arm(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace llmpace::http
