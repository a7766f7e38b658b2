// metrics::ServerClock: bounds on the server's clock from the Date headers of its responses.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::metrics::compute_metrics;
using llmpace::metrics::RequestRecord;
using llmpace::test::at_ms;

namespace {

// This process's wall clock at the benchmark's start: 2026-01-01T00:00:00.25Z.
const auto kWallStart =
    std::chrono::system_clock::time_point{} + std::chrono::milliseconds(1767225600250);
constexpr double kWallStartUnixS = 1767225600.25;

/// `count` requests every `gap_ms`, each answered by a server whose clock is `offset_s` ahead of
/// ours: it dates the response 2 ms after the send, the first byte arrives 5 ms after it.
std::vector<RequestRecord> dated_records(int count, double gap_ms, double offset_s) {
  std::vector<RequestRecord> records;
  for (int n = 0; n < count; ++n) {
    const double sent_ms = 10 + n * gap_ms;
    RequestRecord record = llmpace::test::successful_record(sent_ms, 5, {sent_ms + 6}, sent_ms + 8);
    record.index = static_cast<std::uint64_t>(n);
    const double server_s = kWallStartUnixS + (sent_ms + 2) / 1000 + offset_s;
    record.server_date_unix_s = static_cast<std::int64_t>(std::floor(server_s));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

TEST_CASE("server clock: the Date headers bound the offset, tightly across a second's tick") {
  for (const double offset_s : {2.3, -0.6, 0.0}) {
    INFO("offset " << offset_s);
    auto result = llmpace::test::result_of(dated_records(50, 37, offset_s), 2000);
    result.wall_start = kWallStart;
    const auto clock = compute_metrics(result).server_clock;
    REQUIRE(clock.has_value());
    CHECK(clock->responses == 50);
    REQUIRE(clock->consistent());
    CHECK(clock->offset_low_s <= offset_s + 1e-6);
    CHECK(clock->offset_high_s >= offset_s - 1e-6);
    // 1.85 s of requests 37 ms apart cross a tick: the bounds close to a gap plus the 5 ms from
    // send to first byte.
    CHECK(clock->offset_high_s - clock->offset_low_s < 0.042);
    CHECK(std::abs(clock->offset_s() - offset_s) < 0.021);
  }
}

TEST_CASE("server clock: none without Date headers, and no offset from bounds that cross") {
  auto undated = llmpace::test::result_of(dated_records(5, 37, 0), 1000);
  for (auto& record : undated.records) record.server_date_unix_s = 0;
  CHECK_FALSE(compute_metrics(undated).server_clock.has_value());

  auto stepped = llmpace::test::result_of(dated_records(5, 37, 0), 1000);
  stepped.wall_start = kWallStart;
  stepped.records[3].server_date_unix_s += 10;  // a clock stepped, or a cached response
  const auto clock = compute_metrics(stepped).server_clock;
  REQUIRE(clock.has_value());
  CHECK_FALSE(clock->consistent());
}
