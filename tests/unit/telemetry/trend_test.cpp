#include "llmpace/telemetry/trend.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

using llmpace::telemetry::fit_trend;
using llmpace::telemetry::t_critical_one_sided_99;
using llmpace::telemetry::TrendThresholds;

TEST_CASE("trend: an exact rising line is rising, with its slope and intercept") {
  const std::vector<double> xs{1, 2, 3, 4, 5};
  const std::vector<double> ys{12, 14, 16, 18, 20};
  const auto trend = fit_trend(xs, ys);
  REQUIRE(trend);
  CHECK(trend->slope == Approx(2));
  CHECK(trend->intercept == Approx(10));
  CHECK(std::isinf(trend->t_stat));
  CHECK(trend->rise == Approx(8));
  CHECK(trend->mean_y == Approx(16));
  CHECK(trend->significant);
  CHECK(trend->rising);
}

TEST_CASE("trend: flat, falling and too short series are not rising") {
  const std::vector<double> xs{1, 2, 3, 4, 5};
  SECTION("flat") {
    const auto trend = fit_trend(xs, std::vector<double>{5, 5, 5, 5, 5});
    REQUIRE(trend);
    CHECK(trend->slope == 0);
    CHECK_FALSE(trend->rising);
  }
  SECTION("falling") {
    const auto trend = fit_trend(xs, std::vector<double>{9, 7, 5, 3, 1});
    REQUIRE(trend);
    CHECK(trend->slope == Approx(-2));
    CHECK_FALSE(trend->significant);
    CHECK_FALSE(trend->rising);
  }
  SECTION("fewer points than min_points") {
    CHECK_FALSE(fit_trend(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 2, 3, 4}));
    CHECK(fit_trend(std::vector<double>{1, 2, 3, 4}, std::vector<double>{1, 2, 3, 4},
                    TrendThresholds{4, 0.1, 0}));
  }
  SECTION("all x equal, or sizes that differ") {
    CHECK_FALSE(fit_trend(std::vector<double>{2, 2, 2, 2, 2}, xs));
    CHECK_FALSE(fit_trend(xs, std::vector<double>{1, 2, 3, 4}));
  }
}

TEST_CASE("trend: significance at the one-sided 99 % t critical value, just above and below") {
  // y = x + a * r with residuals r orthogonal to the line: slope 1, standard error a / sqrt(3),
  // so t = sqrt(3) / a; with 3 degrees of freedom the critical value is 4.541 (a = 0.38143).
  const std::vector<double> xs{1, 2, 3, 4, 5};
  const std::vector<double> r{1, -2, 0, 2, -1};
  const auto with_noise = [&](double a) {
    std::vector<double> ys;
    for (std::size_t i = 0; i < xs.size(); ++i) ys.push_back(xs[i] + a * r[i]);
    return fit_trend(xs, ys);
  };
  const auto above = with_noise(0.37);
  REQUIRE(above);
  CHECK(above->slope == Approx(1));
  CHECK(above->t_critical == Approx(4.541));
  CHECK(above->t_stat == Approx(std::sqrt(3.0) / 0.37));
  CHECK(above->significant);
  CHECK(above->rising);
  const auto below = with_noise(0.39);
  REQUIRE(below);
  CHECK(below->t_stat < below->t_critical);
  CHECK_FALSE(below->significant);
  CHECK_FALSE(below->rising);
}

TEST_CASE("trend: the rise must reach max(relative share of the mean, absolute minimum)") {
  const std::vector<double> xs{0, 1, 2, 3, 4};
  const TrendThresholds thresholds{5, 0.10, 1.0};
  // mean 0.5, 10 % of it 0.05: the absolute minimum of 1 decides.
  const auto short_rise =
      fit_trend(xs, std::vector<double>{0, 0.2475, 0.495, 0.7425, 0.99}, thresholds);
  REQUIRE(short_rise);
  CHECK(short_rise->significant);
  CHECK(short_rise->min_rise == Approx(1.0));
  CHECK_FALSE(short_rise->rising);
  const auto enough = fit_trend(xs, std::vector<double>{0, 0.25, 0.5, 0.75, 1.0}, thresholds);
  REQUIRE(enough);
  CHECK(enough->rising);
  // mean 100: 10 % is 10, larger than the absolute minimum.
  const auto relative = fit_trend(xs, std::vector<double>{95, 97.5, 100, 102.5, 105}, thresholds);
  REQUIRE(relative);
  CHECK(relative->min_rise == Approx(10));
  CHECK(relative->rising);
  const auto too_small =
      fit_trend(xs, std::vector<double>{95.1, 97.55, 100, 102.45, 104.9}, thresholds);
  REQUIRE(too_small);
  CHECK_FALSE(too_small->rising);
}

TEST_CASE("trend: t critical values from the table and the expansion") {
  CHECK(std::isinf(t_critical_one_sided_99(0)));
  CHECK(t_critical_one_sided_99(1) == Approx(31.821));
  CHECK(t_critical_one_sided_99(10) == Approx(2.764));
  CHECK(t_critical_one_sided_99(30) == Approx(2.457));
  // Exact quantiles: 40 -> 2.4233, 60 -> 2.3901, 120 -> 2.3578, large -> 2.3263.
  CHECK(t_critical_one_sided_99(40) == Approx(2.4233).margin(0.001));
  CHECK(t_critical_one_sided_99(60) == Approx(2.3901).margin(0.001));
  CHECK(t_critical_one_sided_99(120) == Approx(2.3578).margin(0.001));
  CHECK(t_critical_one_sided_99(1000000) == Approx(2.3263).margin(0.001));
  CHECK(t_critical_one_sided_99(31) < t_critical_one_sided_99(30));
}
