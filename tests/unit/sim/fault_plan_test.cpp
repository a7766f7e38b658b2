// Fault plan: parsing of KIND:PROB (--fault), validation of a plan, and the deterministic
// per-request draw and its frequencies.
#include "llmpace/sim/fault_plan.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmpace/core/setting_error.hpp"

using namespace llmpace::sim;
using llmpace::SettingError;

namespace {

// The message of the SettingError about "faults" that parse_fault_spec(text) throws; fails the
// test otherwise.
std::string parse_error(const std::string& text) {
  try {
    parse_fault_spec(text);
  } catch (const SettingError& error) {
    CHECK(error.setting() == "faults");
    return error.message();
  }
  FAIL("no SettingError for '" << text << "'");
  return {};
}

std::string plan_error(std::vector<FaultSpec> specs) {
  try {
    FaultPlan plan(std::move(specs), 1);
  } catch (const SettingError& error) {
    CHECK(error.setting() == "faults");
    return error.message();
  }
  FAIL("no SettingError");
  return {};
}

}  // namespace

TEST_CASE("fault kinds round-trip through their flag names", "[fault_plan]") {
  for (const FaultKind kind : kFaultKinds) {
    const FaultSpec spec = parse_fault_spec(std::string(to_string(kind)) + ":0.25");
    CHECK(spec.kind == kind);
    CHECK(spec.probability == 0.25);
  }
  CHECK(to_string(FaultKind::reset_mid_stream) == "reset_mid_stream");
  CHECK(to_string(FaultKind::http_429) == "http_429");
}

TEST_CASE("good fault specs parse", "[fault_plan]") {
  CHECK(parse_fault_spec("http_500:0").probability == 0.0);
  CHECK(parse_fault_spec("http_500:1").probability == 1.0);
  CHECK(parse_fault_spec("stall:1e-3").probability == 0.001);
  CHECK(parse_fault_spec("slow_headers:.5").kind == FaultKind::slow_headers);
}

TEST_CASE("bad fault specs are config errors naming the flag the text and the kinds",
          "[fault_plan]") {
  for (const std::string text :
       {"http_500", "", "http_404:0.1", "HTTP_500:0.1", ":0.1", "http_500:", "http_500:x",
        "http_500:0.1x", "http_500:-0.1", "http_500:1.5", "http_500:nan", "http_500:inf",
        "http_500: 0.1", "http_500:0.1:0.2"}) {
    INFO(text);
    const std::string message = parse_error(text);
    CHECK(message.find("--") == std::string::npos);  // the front end names the flag
    CHECK(message.find("'" + text + "'") != std::string::npos);
    CHECK(message.find("http_500, http_429, reset_mid_stream, stall, malformed_chunk, "
                       "slow_headers") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(parse_error("http_404:0.1").find("unknown fault kind 'http_404'") != std::string::npos);
  CHECK(parse_error("stall:2").find("got '2'") != std::string::npos);
}

TEST_CASE("a plan rejects duplicate kinds and probabilities adding up past 1", "[fault_plan]") {
  CHECK(
      plan_error({{FaultKind::stall, 0.1}, {FaultKind::stall, 0.2}}).find("stall is given twice") !=
      std::string::npos);
  const std::string sum = plan_error({{FaultKind::http_500, 0.6}, {FaultKind::http_429, 0.5}});
  CHECK(sum.find("more than 1") != std::string::npos);
  CHECK(plan_error({{FaultKind::http_500, 1.5}}).find("must be from 0 to 1") != std::string::npos);
  // 0.1 + 0.2 + 0.7 rounds to a little over 1 and is still accepted.
  CHECK_NOTHROW(FaultPlan(
      {{FaultKind::http_500, 0.1}, {FaultKind::http_429, 0.2}, {FaultKind::stall, 0.7}}, 1));
}

TEST_CASE("an empty plan never draws a fault", "[fault_plan]") {
  const FaultPlan none;
  CHECK(none.empty());
  CHECK_FALSE(none.draw(0).has_value());
  const FaultPlan zero({{FaultKind::http_500, 0.0}}, 3);
  CHECK(zero.empty());
  for (std::uint64_t n = 0; n < 1000; ++n) CHECK_FALSE(zero.draw(n).has_value());
  CHECK_FALSE(FaultPlan({{FaultKind::stall, 0.01}}, 3).empty());
}

TEST_CASE("draw frequencies match the probabilities", "[fault_plan]") {
  const std::vector<FaultSpec> specs = {
      {FaultKind::slow_headers, 0.05},     {FaultKind::http_500, 0.10},
      {FaultKind::reset_mid_stream, 0.02}, {FaultKind::http_429, 0.20},
      {FaultKind::malformed_chunk, 0.03},  {FaultKind::stall, 0.01}};
  const FaultPlan plan(specs, 42);
  constexpr std::uint64_t kRequests = 100'000;
  std::array<std::uint64_t, kFaultKinds.size()> counts{};
  std::uint64_t none = 0;
  for (std::uint64_t n = 0; n < kRequests; ++n) {
    const std::optional<FaultKind> fault = plan.draw(n);
    if (fault) {
      ++counts[static_cast<std::size_t>(*fault)];
    } else {
      ++none;
    }
  }
  double total = 0.0;
  for (const FaultSpec& spec : specs) {
    INFO(to_string(spec.kind));
    const double frequency =
        static_cast<double>(counts[static_cast<std::size_t>(spec.kind)]) / kRequests;
    CHECK(frequency == Approx(spec.probability).margin(0.01));
    total += spec.probability;
  }
  CHECK(static_cast<double>(none) / kRequests == Approx(1.0 - total).margin(0.01));

  const FaultPlan always({{FaultKind::http_429, 1.0}}, 42);
  for (std::uint64_t n = 0; n < 1000; ++n) CHECK(always.draw(n) == FaultKind::http_429);
}

TEST_CASE("draws are deterministic per seed and differ between seeds", "[fault_plan]") {
  const std::vector<FaultSpec> specs = {{FaultKind::http_500, 0.3}, {FaultKind::stall, 0.3}};
  const FaultPlan a(specs, 7);
  const FaultPlan b(specs, 7);
  const FaultPlan c(specs, 8);
  int differing = 0;
  for (std::uint64_t n = 0; n < 10'000; ++n) {
    CHECK(a.draw(n) == b.draw(n));
    CHECK(a.draw(n) == a.draw(n));
    if (a.draw(n) != c.draw(n)) ++differing;
  }
  // Independent draws with P(none) = 0.4 and 0.3 each for two kinds differ 66% of the time.
  CHECK(differing > 6000);
  CHECK(differing < 7200);
  // The order of the specs does not matter.
  const FaultPlan reversed({{FaultKind::stall, 0.3}, {FaultKind::http_500, 0.3}}, 7);
  for (std::uint64_t n = 0; n < 1000; ++n) CHECK(a.draw(n) == reversed.draw(n));
}
