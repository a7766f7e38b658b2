#include "llmpace/metrics/time_window.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::metrics;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

const auto kAtStart = Nanoseconds::zero();

}  // namespace

TEST_CASE("window specs parse seconds and percentages") {
  const WarmupSpec seconds = parse_window_spec("30", "--warmup");
  CHECK(seconds.kind == WarmupSpec::Kind::seconds);
  CHECK(seconds.value == 30.0);
  CHECK(parse_window_spec("2.5", "--warmup").value == 2.5);

  const WarmupSpec percent = parse_window_spec("10%", "--cooldown");
  CHECK(percent.kind == WarmupSpec::Kind::fraction);
  CHECK(percent.value == Approx(0.10));
  CHECK(parse_window_spec("100%", "--warmup").value == 1.0);

  CHECK(parse_window_spec("0", "--warmup").kind == WarmupSpec::Kind::none);
  CHECK(parse_window_spec("0%", "--warmup").kind == WarmupSpec::Kind::none);
}

TEST_CASE("window specs refuse garbage, naming the flag and the value") {
  CHECK_THROWS_WITH(parse_window_spec("x", "--warmup"),
                    Equals("--warmup: expected seconds like 30 or a percentage like 10%, got 'x'"));
  for (const char* text :
       {"", "%", "10s", " 10", "10 ", "10%%", "%10", "1,5", "nan", "inf", "0x10"}) {
    INFO("'" << text << "'");
    CHECK_THROWS_WITH(parse_window_spec(text, "--cooldown"),
                      Contains("--cooldown") && Contains("'" + std::string(text) + "'"));
  }
  CHECK_THROWS_WITH(parse_window_spec("-5", "--warmup"), Contains("negative"));
  CHECK_THROWS_WITH(parse_window_spec("150%", "--warmup"), Contains("100%"));
}

TEST_CASE("no warmup and no cooldown measure every request") {
  const TimeWindow window;
  CHECK(window.is_measured(kAtStart, 0));
  CHECK(window.is_measured(Seconds{1'000'000}, 1'000'000));
  const TimeWindow resolved = TimeWindow::resolve({}, {}, {Seconds{10}, 100});
  CHECK(resolved.phase_of(kAtStart, 0) == WindowPhase::measured);
  CHECK(resolved.phase_of(Seconds{10}, 100) == WindowPhase::measured);
}

TEST_CASE("with --max-seconds, edges are times and percentages are of the duration") {
  const TimeWindow window =
      TimeWindow::resolve(parse_window_spec("10%", "--warmup"),
                          parse_window_spec("5", "--cooldown"), {Seconds{100}, 1000});
  CHECK(window.phase_of(kAtStart, 500) == WindowPhase::warmup);
  CHECK(window.phase_of(Seconds{10} - Nanoseconds{1}, 500) == WindowPhase::warmup);
  CHECK(window.phase_of(Seconds{10}, 0) == WindowPhase::measured);  // the index does not matter
  CHECK(window.phase_of(Seconds{95} - Nanoseconds{1}, 999) == WindowPhase::measured);
  CHECK(window.phase_of(Seconds{95}, 500) == WindowPhase::cooldown);
  CHECK(window.phase_of(Seconds{200}, 500) == WindowPhase::cooldown);
  CHECK_FALSE(window.is_measured(Seconds{96}, 500));
}

TEST_CASE("with only --max-requests, percentages are of the request count") {
  const TimeWindow window =
      TimeWindow::resolve(parse_window_spec("10%", "--warmup"),
                          parse_window_spec("5%", "--cooldown"), {std::nullopt, 1000});
  CHECK(window.phase_of(kAtStart, 0) == WindowPhase::warmup);
  CHECK(window.phase_of(Seconds{500}, 99) == WindowPhase::warmup);  // the offset does not matter
  CHECK(window.phase_of(kAtStart, 100) == WindowPhase::measured);
  CHECK(window.phase_of(kAtStart, 949) == WindowPhase::measured);
  CHECK(window.phase_of(kAtStart, 950) == WindowPhase::cooldown);
}

TEST_CASE("a warmup in seconds is a time edge even when requests bound the benchmark") {
  const TimeWindow window =
      TimeWindow::resolve(parse_window_spec("30", "--warmup"), {}, {std::nullopt, 1000});
  CHECK(window.phase_of(Seconds{29}, 999) == WindowPhase::warmup);
  CHECK(window.phase_of(Seconds{30}, 0) == WindowPhase::measured);
  const TimeWindow unbounded = TimeWindow::resolve(parse_window_spec("30", "--warmup"), {}, {});
  CHECK(unbounded.phase_of(Seconds{29}, 0) == WindowPhase::warmup);
}

TEST_CASE("edges that cannot be placed or leave nothing to measure are refused") {
  const WarmupSpec ten_percent = parse_window_spec("10%", "--warmup");
  CHECK_THROWS_WITH(TimeWindow::resolve(ten_percent, {}, {}), Contains("--warmup"));
  CHECK_THROWS_WITH(TimeWindow::resolve({}, ten_percent, {}), Contains("--cooldown"));
  CHECK_THROWS_WITH(
      TimeWindow::resolve({}, parse_window_spec("5", "--cooldown"), {std::nullopt, 100}),
      Contains("--max-seconds"));

  const WarmupSpec sixty_percent = parse_window_spec("60%", "--warmup");
  const WarmupSpec half = parse_window_spec("50%", "--cooldown");
  CHECK_THROWS_AS(TimeWindow::resolve(sixty_percent, half, {Seconds{100}, std::nullopt}),
                  ConfigError);
  CHECK_THROWS_AS(TimeWindow::resolve(sixty_percent, half, {std::nullopt, 10}), ConfigError);
  CHECK_THROWS_AS(TimeWindow::resolve(parse_window_spec("100", "--warmup"), {}, {Seconds{100}, {}}),
                  ConfigError);
  CHECK_THROWS_AS(TimeWindow::resolve({}, parse_window_spec("100%", "--cooldown"), {{}, 10}),
                  ConfigError);
  CHECK_NOTHROW(
      TimeWindow::resolve(parse_window_spec("49%", "--warmup"), half, {Seconds{100}, {}}));
}
