#include "llmpace/profile/sweep.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "llmpace/core/error.hpp"

using namespace llmpace;
using namespace llmpace::profile;

TEST_CASE("sweep rates are GuideLLM's linspace(r_sync, r_max, K-1) without its first point") {
  // numpy.linspace(1, 10, 9)[1:]
  CHECK(sweep_rates(1.0, 10.0, 10) ==
        std::vector<double>{2.125, 3.25, 4.375, 5.5, 6.625, 7.75, 8.875, 10.0});
  CHECK(sweep_rates(2.0, 8.0, 5) == std::vector<double>{4.0, 6.0, 8.0});
}

TEST_CASE("a sweep of 2 has no open-loop stages and a sweep of 3 runs only at r_max") {
  CHECK(sweep_rates(1.0, 10.0, 2).empty());
  CHECK(sweep_rates(1.0, 10.0, 3) == std::vector<double>{10.0});
}

TEST_CASE("the last sweep rate is the throughput rate exactly") {
  const std::vector<double> rates = sweep_rates(0.3, 7.1, 10);
  REQUIRE(rates.size() == 8);
  CHECK(rates.back() == 7.1);
  CHECK(rates.front() == 0.3 + (7.1 - 0.3) / 8);
}

TEST_CASE("a throughput rate at or below the synchronous one gives descending or equal rates") {
  CHECK(sweep_rates(10.0, 4.0, 5) == std::vector<double>{8.0, 6.0, 4.0});
  CHECK(sweep_rates(5.0, 5.0, 4) == std::vector<double>{5.0, 5.0});
}

TEST_CASE("sweeps refuse fewer than 2 benchmarks and rates that measured nothing") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_AS(sweep_rates(1.0, 10.0, 1), ConfigError);
  CHECK_THROWS_AS(sweep_rates(1.0, 10.0, -4), ConfigError);
  CHECK_THROWS_WITH(sweep_rates(0.0, 10.0, 10), Contains("synchronous"));
  CHECK_THROWS_WITH(sweep_rates(1.0, 0.0, 10), Contains("throughput"));
  CHECK_THROWS_AS(sweep_rates(std::nan(""), 10.0, 10), RunError);
  CHECK_THROWS_AS(sweep_rates(1.0, HUGE_VAL, 10), RunError);
}
