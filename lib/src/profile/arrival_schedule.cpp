#include "llmpace/profile/arrival_schedule.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "llmpace/core/error.hpp"

namespace llmpace::profile {
namespace {

constexpr long double kNanosecondsPerSecond = 1e9L;

void validate_rate(double rate_per_s) {
  if (!(rate_per_s > 0.0) || !std::isfinite(rate_per_s)) {
    throw ConfigError(
        fmt::format("--rate must be a positive number of requests per second, got {}", rate_per_s));
  }
}

void validate_rampup(Nanoseconds rampup) {
  if (rampup < Nanoseconds::zero()) {
    throw ConfigError(fmt::format("--rampup must not be negative, got {} s", to_seconds(rampup)));
  }
}

void validate_burstiness(double burstiness) {
  if (!(burstiness > 0.0) || !std::isfinite(burstiness)) {
    throw ConfigError(
        fmt::format("--burstiness must be a positive number (1 = Poisson), got {}", burstiness));
  }
}

}  // namespace

ArrivalSchedule::ArrivalSchedule(ArrivalKind kind, double rate_per_s, double burstiness,
                                 Nanoseconds rampup, std::uint64_t seed)
    : kind_(kind), rate_per_s_(rate_per_s), burstiness_(burstiness), rampup_(rampup), rng_(seed) {}

ArrivalSchedule ArrivalSchedule::constant(double rate_per_s, Nanoseconds rampup) {
  validate_rate(rate_per_s);
  validate_rampup(rampup);
  return ArrivalSchedule(ArrivalKind::constant, rate_per_s, 1.0, rampup, 0);
}

ArrivalSchedule ArrivalSchedule::poisson(double rate_per_s, std::uint64_t seed, double burstiness,
                                         Nanoseconds rampup) {
  validate_rate(rate_per_s);
  validate_burstiness(burstiness);
  validate_rampup(rampup);
  return ArrivalSchedule(ArrivalKind::poisson, rate_per_s, burstiness, rampup, seed);
}

ArrivalSchedule ArrivalSchedule::throughput() {
  return ArrivalSchedule(ArrivalKind::throughput, 0.0, 1.0, Nanoseconds::zero(), 0);
}

ArrivalSchedule ArrivalSchedule::replay(std::shared_ptr<const std::vector<Nanoseconds>> offsets) {
  if (!offsets || offsets->empty()) throw ConfigError("--profile replay: the trace has no rows");
  for (std::size_t i = 0; i < offsets->size(); ++i) {
    if ((*offsets)[i] < Nanoseconds::zero() || (i > 0 && (*offsets)[i] < (*offsets)[i - 1])) {
      throw ConfigError(fmt::format(
          "--profile replay: offset {} s of request {} is negative or earlier than the last",
          to_seconds((*offsets)[i]), i));
    }
  }
  ArrivalSchedule schedule(ArrivalKind::replay, 0.0, 1.0, Nanoseconds::zero(), 0);
  schedule.replay_offsets_ = std::move(offsets);
  return schedule;
}

ArrivalSchedule ArrivalSchedule::for_worker(int worker_index, int worker_count) const {
  if (worker_count < 1 || worker_index < 0 || worker_index >= worker_count) {
    throw std::invalid_argument(
        fmt::format("for_worker: worker {} of {} is out of range", worker_index, worker_count));
  }
  ArrivalSchedule share = *this;
  // The copy continues the same random stream, so it sees exactly the draws this schedule would.
  share.skip(static_cast<std::uint64_t>(worker_index) * stride_);
  share.stride_ = stride_ * static_cast<std::uint64_t>(worker_count);
  return share;
}

Nanoseconds ArrivalSchedule::next() {
  Nanoseconds offset = Nanoseconds::zero();
  switch (kind_) {
    case ArrivalKind::constant:
      // From the index, not by adding gaps: request n is due at exactly n/R.
      offset = offset_at_count(static_cast<long double>(index_));
      break;
    case ArrivalKind::poisson:
      offset = offset_at_count(count_);
      break;
    case ArrivalKind::throughput:
      break;
    case ArrivalKind::replay:
      offset = index_ < replay_offsets_->size() ? (*replay_offsets_)[index_] : Nanoseconds::max();
      break;
  }
  skip(stride_);
  return offset;
}

void ArrivalSchedule::skip(std::uint64_t requests) {
  if (kind_ == ArrivalKind::poisson) {
    for (std::uint64_t i = 0; i < requests; ++i) count_ += draw_unit_gap();
  }
  index_ += requests;
}

long double ArrivalSchedule::draw_unit_gap() {
  // Shape 1 is the exponential; its sampler is exact and cheaper than the general gamma one.
  if (burstiness_ == 1.0) return static_cast<long double>(exponential(rng_));
  // Shape k, scale 1/k: mean 1 in count units, coefficient of variation 1/sqrt(k).
  return static_cast<long double>(gamma(rng_, burstiness_) / burstiness_);
}

Nanoseconds ArrivalSchedule::offset_at_count(long double count) const {
  // Cumulative rate Λ(t): R t²/(2T) during the rampup T, then R T/2 + R (t − T). Its inverse maps
  // the n-th unit of count to the time request n is due.
  const auto rate = static_cast<long double>(rate_per_s_);
  const auto rampup_ns = static_cast<long double>(rampup_.count());
  const long double rampup_count = rate * rampup_ns / (2 * kNanosecondsPerSecond);
  long double offset_ns = 0;
  if (count <= rampup_count) {
    offset_ns = std::sqrt(2 * rampup_ns * count * kNanosecondsPerSecond / rate);
  } else {
    offset_ns = rampup_ns + (count - rampup_count) * kNanosecondsPerSecond / rate;
  }
  // Tiny rates put far requests beyond what Nanoseconds holds; they are never reached.
  constexpr auto kMaxNs = static_cast<long double>(std::numeric_limits<Nanoseconds::rep>::max());
  if (offset_ns >= kMaxNs) return Nanoseconds::max();
  return Nanoseconds{std::llround(offset_ns)};
}

}  // namespace llmpace::profile
