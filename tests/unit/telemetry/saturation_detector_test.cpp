#include "llmpace/telemetry/saturation_detector.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using llmpace::telemetry::SaturationCheck;
using llmpace::telemetry::SaturationDetector;
using llmpace::telemetry::SaturationSettings;

namespace {

constexpr double kTickS = 0.1;

/// Deterministic noise in [-1, 1] (a linear congruential generator).
class Noise {
 public:
  double next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 53) * 2.0 - 1.0;
  }

 private:
  std::uint64_t state_ = 42;
};

/// Feeds load(t) and ttft(t) every tick up to end_s, checking after each; the first time the
/// detector said "over-saturated", if ever.
template <typename Load, typename Ttft>
std::optional<double> first_alarm(SaturationDetector& detector, double end_s, Load load,
                                  Ttft ttft) {
  std::optional<double> first;
  for (int tick = 0; tick * kTickS <= end_s + 1e-9; ++tick) {
    const double t = tick * kTickS;
    detector.add_load(t, load(t));
    if (const std::optional<double> value = ttft(t)) detector.add_ttft(t, *value);
    if (!first && detector.check(t).over_saturated) first = t;
  }
  return first;
}

}  // namespace

TEST_CASE("saturation detector: a growing queue and TTFT fire once min_seconds has passed") {
  SaturationDetector detector;
  const auto first = first_alarm(
      detector, 60, [](double t) { return 10 + 2 * t; },
      [](double t) { return std::optional<double>(100 + 50 * t); });
  REQUIRE(first);
  CHECK(*first == Approx(30.0));
  // The same state, asked just before and at min_seconds: only the bins of [15, 30) count.
  CHECK_FALSE(detector.check(29.999).over_saturated);
  CHECK_THAT(detector.check(29.999).reason, StartsWith("not judged before 30 s"));
  const SaturationCheck at = detector.check(30);
  CHECK(at.over_saturated);
  CHECK(at.load_bins == 15);
  CHECK(at.ttft_bins == 15);
  REQUIRE(at.load);
  CHECK(at.load->slope == Approx(2));
  REQUIRE(at.ttft);
  CHECK(at.ttft->slope == Approx(50));
  CHECK_THAT(at.reason, StartsWith("over-saturated: load slope +2/s"));
  // At 60 s the window is [30, 60).
  CHECK(detector.check(60).load_bins == 30);
}

TEST_CASE("saturation detector: a steady but noisy load never fires") {
  SaturationDetector detector;
  Noise noise;
  const auto first = first_alarm(
      detector, 300, [&](double) { return 50 + 10 * noise.next(); },
      [&](double) { return std::optional<double>(200 + 80 * noise.next()); });
  CHECK_FALSE(first);
  CHECK_THAT(detector.check(300).reason, StartsWith("load not rising"));
}

TEST_CASE("saturation detector: the load alone is not enough while TTFT stays flat") {
  SaturationDetector detector;
  const auto first = first_alarm(
      detector, 120, [](double t) { return 10 + 2 * t; },
      [](double) { return std::optional<double>(150); });
  CHECK_FALSE(first);
  CHECK_THAT(detector.check(120).reason, StartsWith("TTFT not rising"));
}

TEST_CASE("saturation detector: a growing load with no first token at all fires") {
  SaturationDetector detector;
  const auto first = first_alarm(
      detector, 40, [](double t) { return 10 + 2 * t; },
      [](double) { return std::optional<double>(); });
  REQUIRE(first);
  CHECK(*first == Approx(30.0));
  CHECK_THAT(detector.check(40).reason, Contains("0 bins with a TTFT (< 5)"));
}

TEST_CASE("saturation detector: a closed loop's flat in-flight count never fires") {
  SaturationDetector detector;
  const auto first = first_alarm(
      detector, 200, [](double) { return 64.0; },
      [](double t) { return std::optional<double>(100 + 10 * t); });
  CHECK_FALSE(first);
}

TEST_CASE("saturation detector: the window slides past an early rise") {
  SaturationDetector detector;
  const auto rising_then_flat = [](double t) { return t < 40 ? 10 + 2 * t : 90.0; };
  const auto first = first_alarm(detector, 100, rising_then_flat, [&](double t) {
    return std::optional<double>(100 + 10 * rising_then_flat(t));
  });
  REQUIRE(first);
  CHECK(*first == Approx(30.0));
  CHECK_FALSE(detector.check(100).over_saturated);  // window [50, 100): flat
}

TEST_CASE("saturation detector: a rise smaller than 10 % of the load is not over-saturation") {
  SaturationDetector detector;
  // Over [15, 30) the load rises 0.7 around 101: below max(10 %, 1 request).
  const auto first = first_alarm(
      detector, 30, [](double t) { return 100 + 0.05 * t; },
      [](double t) { return std::optional<double>(100 + 50 * t); });
  CHECK_FALSE(first);
  const SaturationCheck check = detector.check(30);
  REQUIRE(check.load);
  CHECK(check.load->significant);
  CHECK_FALSE(check.load->rising);
}

TEST_CASE("saturation detector: memory stays within the window, late samples of old bins drop") {
  SaturationSettings settings;
  settings.min_seconds = 10;
  settings.max_window_s = 20;
  SaturationDetector detector(settings);
  for (int tick = 0; tick <= 10000; ++tick) detector.add_load(tick * kTickS, 5);
  detector.add_load(10, 1000);  // far older than the window: dropped
  const SaturationCheck check = detector.check(1000);
  CHECK(check.load_bins == 20);  // [980, 1000)
  REQUIRE(check.load);
  CHECK(check.load->mean_y == Approx(5));
  CHECK(detector.settings().max_window_s == 20);
}
