// Clock: the one way code reads the time, so tests can drive time by hand where timing is the
// subject. SystemClock reads std::chrono::steady_clock; ManualClock advances only when told.
//
// Thread affinity: SystemClock is stateless and safe from any thread. ManualClock is not
// synchronised; use it from one thread (tests).
#pragma once

#include "llmpace/core/time.hpp"

namespace llmpace {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override { return SteadyClock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  [[nodiscard]] TimePoint now() const override { return now_; }
  void advance(Nanoseconds step) { now_ += step; }
  void set(TimePoint time) { now_ = time; }

 private:
  TimePoint now_;
};

}  // namespace llmpace
