// ArrivalSchedule: when each request of an open-loop profile is due, as an offset from the
// benchmark start. Offsets are computed from the start, never from the previous send, so a late
// send does not push the rest of the schedule back (no coordinated omission, no drift).
//
//   constant R    request n due at n/R
//   poisson R     gaps ~ Gamma(shape k, scale 1/(k R)); k = 1 (the default) is exponential gaps,
//                 i.e. a Poisson process; larger k is more regular ("burstiness" as in vLLM)
//   throughput    every request due at 0
//   replay        request n due at offsets[n] (a trace's timestamps); past the end, never
//
// Request 0 is due at offset 0 for every kind. With a rampup T the rate rises linearly from 0 to R
// over T, then stays at R: the schedule is that of the steady process with its time axis
// stretched through the inverse of the cumulative rate (exact, and still seeded for poisson).
// Poisson gaps are drawn by core/random.hpp, so a seed gives the same schedule with every standard
// library.
//
// for_worker(w, W) hands worker w the requests n ≡ w (mod W) of the one global sequence, so the
// workers together send exactly the single-thread schedule.
//
// Thread affinity: a value type; one thread uses an instance at a time. Give each worker its own
// copy from for_worker.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "llmpace/core/random.hpp"
#include "llmpace/core/time.hpp"

namespace llmpace::profile {

enum class ArrivalKind { constant, poisson, throughput, replay };

class ArrivalSchedule {
 public:
  /// Throws ConfigError naming --rate or --rampup when a value is out of range.
  static ArrivalSchedule constant(double rate_per_s, Nanoseconds rampup = {});
  /// Throws ConfigError naming --rate, --burstiness or --rampup when a value is out of range.
  static ArrivalSchedule poisson(double rate_per_s, std::uint64_t seed, double burstiness = 1.0,
                                 Nanoseconds rampup = {});
  static ArrivalSchedule throughput();
  /// Request n due at offsets[n] (shared, not copied, by the workers' shares). Throws
  /// ConfigError when an offset is negative or the offsets are not in order.
  static ArrivalSchedule replay(std::shared_ptr<const std::vector<Nanoseconds>> offsets);

  /// The share of worker `worker_index` of `worker_count`: every worker_count-th request of this
  /// schedule from the next one on, starting worker_index requests later. Throws
  /// std::invalid_argument unless 0 <= worker_index < worker_count.
  [[nodiscard]] ArrivalSchedule for_worker(int worker_index, int worker_count) const;

  /// Offset of the next request of this schedule (or of this worker's share), then moves on.
  /// A replay past its last offset returns Nanoseconds::max().
  /// O(1) per call (O(worker_count) draws for a poisson worker); never allocates.
  Nanoseconds next();
  /// Global index (in the single-thread sequence) of the request the next call to next() returns.
  [[nodiscard]] std::uint64_t next_index() const { return index_; }

  [[nodiscard]] ArrivalKind kind() const { return kind_; }
  /// Requests per second after the rampup; 0 for throughput.
  [[nodiscard]] double rate_per_s() const { return rate_per_s_; }
  [[nodiscard]] double burstiness() const { return burstiness_; }
  [[nodiscard]] Nanoseconds rampup() const { return rampup_; }

 private:
  ArrivalSchedule(ArrivalKind kind, double rate_per_s, double burstiness, Nanoseconds rampup,
                  std::uint64_t seed);

  // Moves `requests` global indices on, drawing their gaps for poisson.
  void skip(std::uint64_t requests);
  // Gap in "count" units (a unit-rate process), mean 1.
  long double draw_unit_gap();
  // Offset at which the cumulative rate reaches `count`.
  [[nodiscard]] Nanoseconds offset_at_count(long double count) const;

  ArrivalKind kind_;
  double rate_per_s_;
  double burstiness_;
  Nanoseconds rampup_;
  std::uint64_t index_ = 0;
  std::uint64_t stride_ = 1;  // global indices per next()
  // Cumulative count (integral of the rate) at which request index_ is due. Poisson sums its
  // gaps in long double (64-bit mantissa) so a million gaps add no visible rounding.
  long double count_ = 0;
  Rng rng_;  // poisson gaps: exponential (k = 1) or gamma(k) / k, see core/random.hpp
  std::shared_ptr<const std::vector<Nanoseconds>> replay_offsets_;  // replay only
};

}  // namespace llmpace::profile
