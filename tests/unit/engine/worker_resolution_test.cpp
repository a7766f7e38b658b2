// The engine's workers look the target up once each, however many connections their lanes open
// (one http::EndpointCache per worker), and a lookup slower than --connect-timeout makes
// connect_timeout records, not a stuck run. The lookup happens before the benchmark's clock starts,
// so the first open-loop arrivals do not fall behind waiting for it. Lookups are counted through
// ClientOptions::resolver; the simulator listens on 127.0.0.1, so no DNS query is sent.
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "llmpace/http/name_resolver.hpp"
#include "unit/engine/engine_fixture.hpp"

namespace asio = boost::asio;
using llmpace::ErrorKind;
using llmpace::Nanoseconds;
using llmpace::ProfileKind;
using llmpace::SteadyClock;
using llmpace::http::Resolution;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::RequestStatus;
using llmpace::profile::ProfileSpec;
using llmpace::test::relaxed;
using llmpace::test::run_benchmark;
using llmpace::test::start_sim;
using llmpace::test::target_for;
using llmpace::test::test_runner_options;
using namespace std::chrono_literals;

namespace {

/// The system's resolver, after `delay`, counting its calls (from every worker thread).
llmpace::http::NameResolver counting_resolver(std::atomic<int>& calls, Nanoseconds delay = {}) {
  return [&calls, delay](std::string host, std::string service) -> asio::awaitable<Resolution> {
    calls.fetch_add(1, std::memory_order_relaxed);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return co_await llmpace::http::resolve_with_system(std::move(host), std::move(service));
  };
}

}  // namespace

TEST_CASE("each worker looks the target up once for all the connections of its lanes") {
  const auto sim = start_sim();
  auto target = target_for(sim->base_url());
  std::atomic<int> lookups{0};
  target.client.resolver = counting_resolver(lookups);

  ProfileSpec spec;
  spec.max_requests = 36;
  SECTION("closed loop: three streams per worker") {
    spec.kind = ProfileKind::concurrent;
    spec.streams = 6;
  }
  SECTION("open loop: up to four lanes per worker") {
    spec.kind = ProfileKind::throughput;
    spec.max_concurrency = 8;
  }
  const auto result = run_benchmark(target, spec, test_runner_options(2));
  REQUIRE(result.workers == 2);
  REQUIRE(result.records.size() == 36);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
  }
  CHECK(lookups.load() == 2);  // one per worker, not one per lane (6 or 8 lanes)
}

TEST_CASE("a lookup slower than the connect timeout makes connect_timeout records", "[timing]") {
  const auto sim = start_sim();
  auto target = target_for(sim->base_url());
  target.client.timeouts.connect = 100ms;
  std::atomic<int> lookups{0};
  const auto lookup_time = relaxed(700ms);
  target.client.resolver = counting_resolver(lookups, lookup_time);

  ProfileSpec spec;
  spec.kind = ProfileKind::synchronous;
  spec.max_requests = 3;
  const auto result = run_benchmark(target, spec);
  REQUIRE(result.records.size() == 3);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::errored);
    CHECK(record.error_kind == ErrorKind::connect_timeout);
    CHECK(record.done - record.dispatched >= 90ms);
    // The connect timeout, not the lookup.
    CHECK(record.done - record.dispatched < lookup_time - relaxed(100ms));
  }
  CHECK(lookups.load() == 1);  // the later requests waited for the lookup already running
}

TEST_CASE("the name lookup happens before the first arrival is due, not after", "[timing]") {
  const auto sim = start_sim();
  auto target = target_for(sim->base_url());
  std::atomic<int> lookups{0};
  const auto lookup_time = 300ms;  // under the 1 s the start waits for a lookup
  target.client.resolver = counting_resolver(lookups, lookup_time);

  ProfileSpec spec;
  spec.kind = ProfileKind::constant;
  spec.rate_per_s = 100;
  spec.max_requests = 3;
  const auto result = run_benchmark(target, spec);
  REQUIRE(result.records.size() == 3);
  for (const RequestRecord& record : result.records) {
    CHECK(record.status == RequestStatus::successful);
    // Had the first request waited for the lookup, it would have been sent 300 ms late and the
    // next two, due 10 and 20 ms after it, nearly as late. Not relaxed(): in a sanitized build
    // that would exceed the lookup itself.
    CHECK(record.sent - record.scheduled < lookup_time / 2);
  }
  CHECK(lookups.load() == 1);
}
