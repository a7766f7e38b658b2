#include "llmpace/profile/arrival_schedule.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::profile;
using Catch::Matchers::Contains;

namespace {

std::vector<Nanoseconds> take(ArrivalSchedule& schedule, std::size_t count) {
  std::vector<Nanoseconds> offsets;
  offsets.reserve(count);
  for (std::size_t i = 0; i < count; ++i) offsets.push_back(schedule.next());
  return offsets;
}

std::vector<double> gaps_in_seconds(const std::vector<Nanoseconds>& offsets) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < offsets.size(); ++i)
    gaps.push_back(to_seconds(offsets[i] - offsets[i - 1]));
  return gaps;
}

// One-sample Kolmogorov–Smirnov statistic D = sup |F_empirical − F|.
double ks_statistic(std::vector<double> samples, const std::function<double(double)>& cdf) {
  std::sort(samples.begin(), samples.end());
  const auto n = static_cast<double>(samples.size());
  double d = 0.0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double f = cdf(samples[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

// Critical value of D at α = 0.01 for large n.
double ks_critical_1_percent(std::size_t n) { return 1.628 / std::sqrt(static_cast<double>(n)); }

double mean_of(const std::vector<double>& values) {
  double sum = 0.0;
  for (double value : values) sum += value;
  return sum / static_cast<double>(values.size());
}

double coefficient_of_variation(const std::vector<double>& values) {
  const double mean = mean_of(values);
  double squares = 0.0;
  for (double value : values) squares += (value - mean) * (value - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1)) / mean;
}

// Arrivals with offset in [from, to).
std::int64_t count_between(const std::vector<Nanoseconds>& offsets, Nanoseconds from,
                           Nanoseconds to) {
  return std::count_if(offsets.begin(), offsets.end(),
                       [&](Nanoseconds offset) { return offset >= from && offset < to; });
}

// Merges the shares of `worker_count` workers back into one schedule of `count` requests.
std::vector<std::pair<std::uint64_t, Nanoseconds>> merged_worker_shares(
    const ArrivalSchedule& schedule, int worker_count, std::size_t count) {
  std::vector<std::pair<std::uint64_t, Nanoseconds>> merged;
  for (int worker = 0; worker < worker_count; ++worker) {
    ArrivalSchedule share = schedule.for_worker(worker, worker_count);
    while (share.next_index() < count) {
      const std::uint64_t index = share.next_index();
      CHECK(index % static_cast<std::uint64_t>(worker_count) == static_cast<std::uint64_t>(worker));
      merged.emplace_back(index, share.next());
    }
  }
  std::sort(merged.begin(), merged.end());
  return merged;
}

std::vector<std::pair<std::uint64_t, Nanoseconds>> indexed(ArrivalSchedule schedule,
                                                           std::size_t count) {
  std::vector<std::pair<std::uint64_t, Nanoseconds>> all;
  while (all.size() < count) {
    const std::uint64_t index = schedule.next_index();
    all.emplace_back(index, schedule.next());
  }
  return all;
}

}  // namespace

TEST_CASE("constant: request n is due at exactly n/R, rounded to the nanosecond, with no drift") {
  // Rates as fractions p/q req/s, so the exact offset n*q*1e9/p can be rounded in integers.
  struct Rate {
    std::int64_t numerator;
    std::int64_t denominator;
  };
  const auto rate =
      GENERATE(Rate{10, 1}, Rate{3, 1}, Rate{7, 1}, Rate{5, 2}, Rate{1000, 1}, Rate{999, 1});
  ArrivalSchedule schedule = ArrivalSchedule::constant(static_cast<double>(rate.numerator) /
                                                       static_cast<double>(rate.denominator));
  constexpr std::int64_t kRequests = 1'000'000;
  std::int64_t index_mismatches = 0;
  std::int64_t offset_mismatches = 0;
  for (std::int64_t n = 0; n <= kRequests; ++n) {
    if (schedule.next_index() != static_cast<std::uint64_t>(n)) ++index_mismatches;
    // round-half-up of n*q*1e9/p
    const std::int64_t exact_ns =
        (2 * n * rate.denominator * 1'000'000'000 + rate.numerator) / (2 * rate.numerator);
    if (schedule.next().count() != exact_ns) ++offset_mismatches;
  }
  CHECK(index_mismatches == 0);
  CHECK(offset_mismatches == 0);
}

TEST_CASE("throughput: every request is due at the start") {
  ArrivalSchedule schedule = ArrivalSchedule::throughput();
  CHECK(schedule.kind() == ArrivalKind::throughput);
  for (std::uint64_t n = 0; n < 1000; ++n) {
    CHECK(schedule.next_index() == n);
    CHECK(schedule.next() == Nanoseconds::zero());
  }
  ArrivalSchedule share = ArrivalSchedule::throughput().for_worker(1, 4);
  CHECK(share.next_index() == 1);
  CHECK(share.next() == Nanoseconds::zero());
  CHECK(share.next_index() == 5);
}

TEST_CASE("replay: request n is due at its trace offset and workers share the rows") {
  const auto offsets = std::make_shared<const std::vector<Nanoseconds>>(
      std::vector<Nanoseconds>{Nanoseconds{0}, Nanoseconds{5}, Nanoseconds{5},
                               Nanoseconds{1'000'000}, Nanoseconds{3'000'000'000}});
  ArrivalSchedule schedule = ArrivalSchedule::replay(offsets);
  CHECK(schedule.kind() == ArrivalKind::replay);
  CHECK(take(schedule, 5) == *offsets);
  CHECK(schedule.next() == Nanoseconds::max());  // past the last row: never due
  ArrivalSchedule share = ArrivalSchedule::replay(offsets).for_worker(1, 2);
  CHECK(share.next_index() == 1);
  CHECK(share.next() == Nanoseconds{5});
  CHECK(share.next() == Nanoseconds{1'000'000});
  CHECK(share.next() == Nanoseconds::max());

  const auto backwards = std::make_shared<const std::vector<Nanoseconds>>(
      std::vector<Nanoseconds>{Nanoseconds{10}, Nanoseconds{9}});
  CHECK_THROWS_WITH(ArrivalSchedule::replay(backwards), Contains("earlier than the last"));
  CHECK_THROWS_WITH(ArrivalSchedule::replay(std::make_shared<const std::vector<Nanoseconds>>()),
                    Contains("no rows"));
}

TEST_CASE("poisson: gaps are exponential with mean 1/R (Kolmogorov–Smirnov at α = 0.01)") {
  constexpr double kRate = 50.0;
  constexpr std::size_t kGaps = 20'000;
  ArrivalSchedule schedule = ArrivalSchedule::poisson(kRate, 42);
  const std::vector<Nanoseconds> offsets = take(schedule, kGaps + 1);
  CHECK(offsets.front() == Nanoseconds::zero());
  CHECK(std::is_sorted(offsets.begin(), offsets.end()));
  const std::vector<double> gaps = gaps_in_seconds(offsets);

  const double d = ks_statistic(gaps, [](double x) { return 1.0 - std::exp(-kRate * x); });
  INFO("D = " << d);
  CHECK(d < ks_critical_1_percent(kGaps));
  CHECK(mean_of(gaps) == Approx(1.0 / kRate).epsilon(0.02));
  CHECK(coefficient_of_variation(gaps) == Approx(1.0).epsilon(0.05));
}

TEST_CASE("poisson: the KS check would catch constant gaps") {
  // Guards the test itself: evenly spaced arrivals at the same rate must fail it.
  constexpr double kRate = 50.0;
  ArrivalSchedule schedule = ArrivalSchedule::constant(kRate);
  const std::vector<double> gaps = gaps_in_seconds(take(schedule, 20'001));
  CHECK(ks_statistic(gaps, [](double x) { return 1.0 - std::exp(-kRate * x); }) >
        ks_critical_1_percent(gaps.size()));
}

TEST_CASE("poisson: burstiness k gives gamma gaps with mean 1/R and variation 1/sqrt(k)") {
  constexpr double kRate = 20.0;
  const double burstiness = GENERATE(4.0, 0.5);
  ArrivalSchedule schedule = ArrivalSchedule::poisson(kRate, 7, burstiness);
  const std::vector<double> gaps = gaps_in_seconds(take(schedule, 20'001));
  INFO("burstiness " << burstiness);
  CHECK(mean_of(gaps) == Approx(1.0 / kRate).epsilon(0.02));
  CHECK(coefficient_of_variation(gaps) == Approx(1.0 / std::sqrt(burstiness)).epsilon(0.05));
}

TEST_CASE("poisson: the same seed gives the same schedule, another seed another") {
  ArrivalSchedule first = ArrivalSchedule::poisson(10.0, 123, 2.0, Seconds{5});
  ArrivalSchedule again = ArrivalSchedule::poisson(10.0, 123, 2.0, Seconds{5});
  ArrivalSchedule other = ArrivalSchedule::poisson(10.0, 124, 2.0, Seconds{5});
  const std::vector<Nanoseconds> offsets = take(first, 1000);
  CHECK(take(again, 1000) == offsets);
  CHECK(take(other, 1000) != offsets);
}

TEST_CASE("poisson: a seed gives these offsets with every standard library") {
  // Pinned from an independent Python transcription of core/random.hpp (xoshiro256** seeded by
  // splitmix64; exponential gaps for k = 1, Marsaglia-Tsang gamma / k otherwise) at 10 req/s.
  struct Pinned {
    double burstiness;
    std::vector<std::int64_t> offsets_ns;
  };
  const Pinned pinned =
      GENERATE(Pinned{1.0, {0, 8758933, 56398173, 170355168, 428973314, 909383173}},
               Pinned{4.0, {0, 77901970, 326951723, 471185620, 539163363, 598348459}},
               Pinned{0.5, {0, 985425, 8327701, 27604808, 29131774, 68431731}});
  INFO("burstiness " << pinned.burstiness);
  ArrivalSchedule schedule = ArrivalSchedule::poisson(10.0, 42, pinned.burstiness);
  std::vector<std::int64_t> offsets_ns;
  for (const Nanoseconds offset : take(schedule, pinned.offsets_ns.size())) {
    offsets_ns.push_back(offset.count());
  }
  CHECK(offsets_ns == pinned.offsets_ns);
}

TEST_CASE("workers: the union of the worker shares is the single-thread schedule exactly") {
  constexpr std::size_t kRequests = 3000;
  const ArrivalSchedule schedule =
      GENERATE(ArrivalSchedule::constant(7.0), ArrivalSchedule::constant(100.0, Seconds{3}),
               ArrivalSchedule::poisson(40.0, 99),
               ArrivalSchedule::poisson(40.0, 99, 3.0, Seconds{2}), ArrivalSchedule::throughput());
  const int worker_count = GENERATE(1, 3, 8);
  INFO("kind " << static_cast<int>(schedule.kind()) << ", workers " << worker_count);
  CHECK(merged_worker_shares(schedule, worker_count, kRequests) == indexed(schedule, kRequests));
}

TEST_CASE("workers: splitting continues from where the schedule is and can be nested") {
  ArrivalSchedule schedule = ArrivalSchedule::poisson(10.0, 5);
  const auto all = indexed(schedule, 40);
  schedule.next();
  schedule.next();
  ArrivalSchedule odd_positions = schedule.for_worker(1, 2);  // global 3, 5, 7, ...
  ArrivalSchedule nested = odd_positions.for_worker(1, 3);    // global 5, 11, 17, ...
  for (std::uint64_t index : {5u, 11u, 17u, 23u}) {
    CHECK(nested.next_index() == index);
    CHECK(nested.next() == all[index].second);
  }
  CHECK(odd_positions.next_index() == 3);
  CHECK(odd_positions.next() == all[3].second);

  CHECK_THROWS_AS(schedule.for_worker(3, 3), std::invalid_argument);
  CHECK_THROWS_AS(schedule.for_worker(-1, 3), std::invalid_argument);
  CHECK_THROWS_AS(schedule.for_worker(0, 0), std::invalid_argument);
}

TEST_CASE("rampup: constant arrivals follow the integral of a linearly rising rate") {
  constexpr double kRate = 10.0;
  constexpr double kRampupS = 10.0;
  ArrivalSchedule schedule = ArrivalSchedule::constant(kRate, Seconds{10});
  std::vector<Nanoseconds> offsets;
  while (offsets.empty() || offsets.back() < Seconds{30}) offsets.push_back(schedule.next());

  for (double t = 0.5; t <= 30.0; t += 0.5) {
    const double expected = t <= kRampupS ? kRate * t * t / (2 * kRampupS)
                                          : kRate * kRampupS / 2 + kRate * (t - kRampupS);
    INFO("t = " << t << " s");
    CHECK(std::abs(static_cast<double>(count_between(offsets, {}, from_seconds(t))) - expected) <=
          1.0);
  }
  // The rate over [t, t+1 s) is R (2t + 1) / (2T) during the rampup, then R.
  for (int t = 0; t < 29; ++t) {
    const double expected = t < 10 ? kRate * (2 * t + 1) / (2 * kRampupS) : kRate;
    INFO("t = " << t << " s");
    CHECK(std::abs(static_cast<double>(count_between(offsets, Seconds{t}, Seconds{t + 1})) -
                   expected) <= 1.0);
  }
}

TEST_CASE("rampup: per-second arrivals grow linearly until the rampup ends") {
  // At R = 1000 and T = 10 s each second has 100 more arrivals than the one before.
  ArrivalSchedule schedule = ArrivalSchedule::constant(1000.0, Seconds{10});
  std::vector<Nanoseconds> offsets;
  while (offsets.empty() || offsets.back() < Seconds{12}) offsets.push_back(schedule.next());
  for (int t = 0; t < 12; ++t) {
    const double expected = t < 10 ? 100.0 * t + 50.0 : 1000.0;
    INFO("t = " << t << " s");
    CHECK(std::abs(static_cast<double>(count_between(offsets, Seconds{t}, Seconds{t + 1})) -
                   expected) <= 1.0);
  }
}

TEST_CASE("rampup: poisson arrivals rescaled by the cumulative rate are a unit-rate process") {
  constexpr double kRate = 200.0;
  constexpr double kRampupS = 20.0;
  ArrivalSchedule schedule = ArrivalSchedule::poisson(kRate, 2024, 1.0, Seconds{20});
  const std::vector<Nanoseconds> offsets = take(schedule, 20'001);
  REQUIRE(offsets.back() > Seconds{40});  // most arrivals after the rampup, many during it
  const auto cumulative_rate = [&](Nanoseconds offset) {
    const double t = to_seconds(offset);
    return t <= kRampupS ? kRate * t * t / (2 * kRampupS)
                         : kRate * kRampupS / 2 + kRate * (t - kRampupS);
  };
  std::vector<double> unit_gaps;
  for (std::size_t i = 1; i < offsets.size(); ++i) {
    unit_gaps.push_back(cumulative_rate(offsets[i]) - cumulative_rate(offsets[i - 1]));
  }
  const double d = ks_statistic(unit_gaps, [](double x) { return 1.0 - std::exp(-x); });
  INFO("D = " << d);
  CHECK(d < ks_critical_1_percent(unit_gaps.size()));
  // Arrivals in the first half of the rampup are a quarter of the rampup's R T/2 = 2000.
  CHECK(std::abs(static_cast<double>(count_between(offsets, {}, Seconds{10})) - 500.0) < 4 * 23.0);
}

TEST_CASE("schedules refuse out-of-range settings, naming the flag") {
  using Catch::Matchers::Contains;
  const double nan = std::nan("");
  const double inf = HUGE_VAL;
  for (double rate : {0.0, -1.0, nan, inf}) {
    CHECK_THROWS_WITH(ArrivalSchedule::constant(rate), Contains("--rate"));
    CHECK_THROWS_WITH(ArrivalSchedule::poisson(rate, 1), Contains("--rate"));
  }
  for (double burstiness : {0.0, -2.0, nan, inf}) {
    CHECK_THROWS_WITH(ArrivalSchedule::poisson(1.0, 1, burstiness), Contains("--burstiness"));
  }
  CHECK_THROWS_AS(ArrivalSchedule::constant(1.0, Nanoseconds{-1}), ConfigError);
  CHECK_THROWS_WITH(ArrivalSchedule::poisson(1.0, 1, 1.0, Seconds{-3}), Contains("--rampup"));
  CHECK_NOTHROW(ArrivalSchedule::constant(1e-9));
}

TEST_CASE("a tiny rate puts later requests at the farthest representable offset") {
  ArrivalSchedule schedule = ArrivalSchedule::constant(1e-12);
  CHECK(schedule.next() == Nanoseconds::zero());
  CHECK(schedule.next() == Nanoseconds::max());
}
