// compute_metrics(): the first error message of every kind (first_error_by_kind) and the count
// and first message of requests with a bad usage object (usage_problems).
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "llmpace/metrics/benchmark_result.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::ErrorKind;
using llmpace::metrics::compute_metrics;
using llmpace::metrics::RequestRecord;
using llmpace::metrics::WindowPhase;
using llmpace::test::errored_record;
using llmpace::test::result_of;
using llmpace::test::successful_record;
using Messages = std::map<std::string, std::string>;

namespace {

/// An errored request with its index and message, sent at `sent_ms` and ended at `done_ms`.
RequestRecord failed(std::uint64_t index, ErrorKind kind, double sent_ms, double done_ms,
                     std::string message) {
  RequestRecord record = errored_record(sent_ms, kind, done_ms);
  record.index = index;
  record.error_message = std::move(message);
  return record;
}

/// A successful request whose usage object was wrong.
RequestRecord bad_usage(std::uint64_t index, double sent_ms, double done_ms, std::string problem) {
  RequestRecord record = successful_record(sent_ms, 5, {sent_ms + 10}, done_ms);
  record.index = index;
  record.usage_problem = std::move(problem);
  return record;
}

RequestRecord in_phase(RequestRecord record, WindowPhase phase) {
  record.phase = phase;
  return record;
}

}  // namespace

TEST_CASE("first_error_by_kind: the message of the request that ended first, per kind",
          "[metrics][errors]") {
  // Index order is not end order: request 1 fails before request 0.
  const auto metrics = compute_metrics(result_of({
      failed(0, ErrorKind::http_status, 0, 500, "HTTP 500: late"),
      failed(1, ErrorKind::http_status, 10, 300, "HTTP 503: early"),
      failed(2, ErrorKind::idle_timeout, 20, 900, "timed out reading the body"),
      failed(3, ErrorKind::http_status, 30, 400, "HTTP 502: middle"),
  }));
  CHECK(metrics.errors_by_kind ==
        std::map<std::string, std::size_t>{{"http_status", 3}, {"idle_timeout", 1}});
  CHECK(metrics.first_error_by_kind == Messages{{"http_status", "HTTP 503: early"},
                                                {"idle_timeout", "timed out reading the body"}});
}

TEST_CASE("first_error_by_kind: an equal end goes to the lower index", "[metrics][errors]") {
  // Out of index order on purpose, so the index decides and not the position.
  const auto metrics = compute_metrics(result_of({
      failed(7, ErrorKind::connect, 0, 100, "index 7"),
      failed(2, ErrorKind::connect, 0, 100, "index 2"),
      failed(5, ErrorKind::connect, 0, 100, "index 5"),
  }));
  CHECK(metrics.first_error_by_kind == Messages{{"connect", "index 2"}});
}

TEST_CASE("first_error_by_kind: requests without a message are passed over", "[metrics][errors]") {
  const auto metrics = compute_metrics(result_of({
      failed(0, ErrorKind::protocol, 0, 50, ""),
      failed(1, ErrorKind::protocol, 0, 80, "malformed JSON in stream chunk"),
      failed(2, ErrorKind::stream_error, 0, 90, ""),
  }));
  CHECK(metrics.errors_by_kind ==
        std::map<std::string, std::size_t>{{"protocol", 2}, {"stream_error", 1}});
  // stream_error errored, but with no message to show: counted, absent here.
  CHECK(metrics.first_error_by_kind == Messages{{"protocol", "malformed JSON in stream chunk"}});
}

TEST_CASE("first_error_by_kind: an unset end counts as the latest", "[metrics][errors]") {
  RequestRecord never_ended = failed(0, ErrorKind::tls, 0, 10, "no end time");
  never_ended.done = llmpace::TimePoint{};
  const auto metrics = compute_metrics(result_of({
      never_ended,
      failed(1, ErrorKind::tls, 0, 700, "ended at 700 ms"),
  }));
  CHECK(metrics.first_error_by_kind == Messages{{"tls", "ended at 700 ms"}});
}

TEST_CASE("first_error_by_kind: warmup and cooldown requests are left out", "[metrics][errors]") {
  const auto metrics = compute_metrics(result_of({
      in_phase(failed(0, ErrorKind::http_status, 0, 10, "HTTP 500: warmup"), WindowPhase::warmup),
      failed(1, ErrorKind::http_status, 100, 200, "HTTP 500: measured"),
      in_phase(failed(2, ErrorKind::connect, 900, 950, "refused in the cooldown"),
               WindowPhase::cooldown),
  }));
  CHECK(metrics.first_error_by_kind == Messages{{"http_status", "HTTP 500: measured"}});
  CHECK(metrics.errors_by_kind == std::map<std::string, std::size_t>{{"http_status", 1}});
}

TEST_CASE("first_error_by_kind: dns and rate_limited are kinds of their own", "[metrics][errors]") {
  const auto metrics = compute_metrics(result_of({
      failed(0, ErrorKind::dns, 0, 5, "cannot resolve no-such-host.invalid"),
      failed(1, ErrorKind::rate_limited, 0, 20, "HTTP 429 (Retry-After: 2)"),
      failed(2, ErrorKind::rate_limited, 0, 30, "HTTP 429 (Retry-After: 1)"),
  }));
  CHECK(metrics.errors_by_kind ==
        std::map<std::string, std::size_t>{{"dns", 1}, {"rate_limited", 2}});
  CHECK(metrics.first_error_by_kind == Messages{{"dns", "cannot resolve no-such-host.invalid"},
                                                {"rate_limited", "HTTP 429 (Retry-After: 2)"}});
}

TEST_CASE("first_error_by_kind: messages are kept whole, made valid UTF-8", "[metrics][errors]") {
  const std::string multi_line = "HTTP 500: {\n  \"error\": \"boom\"\n}";
  const auto metrics = compute_metrics(result_of({
      failed(0, ErrorKind::http_status, 0, 10, multi_line),
      // A stray byte, a valid two-byte letter, a sequence cut short at the end.
      failed(1, ErrorKind::protocol, 0, 10, "bad \xff byte, caf\xc3\xa9, cut \xe2\x82"),
  }));
  CHECK(metrics.first_error_by_kind.at("http_status") == multi_line);
  CHECK(metrics.first_error_by_kind.at("protocol") ==
        "bad \xef\xbf\xbd byte, caf\xc3\xa9, cut \xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("usage_problems: counted over measured requests, the first message kept",
          "[metrics][usage]") {
  RequestRecord errored = failed(3, ErrorKind::connection_closed, 0, 150, "closed");
  errored.usage_problem = "prompt_tokens is not an integer";
  const auto metrics = compute_metrics(result_of({
      in_phase(bad_usage(0, 0, 50, "completion_tokens is negative (-9)"), WindowPhase::warmup),
      bad_usage(1, 100, 400, "completion_tokens is negative (-5)"),
      bad_usage(2, 110, 300, "total_tokens is less than completion_tokens"),
      errored,  // any status counts
      successful_record(120, 5, {130}, 140),
  }));
  CHECK(metrics.usage_problems.requests == 3);
  CHECK(metrics.usage_problems.first_message == "prompt_tokens is not an integer");  // ended 150
  CHECK(metrics.requests.warmup == 1);
}

TEST_CASE("usage_problems: none when every usage object was right", "[metrics][usage]") {
  const auto metrics = compute_metrics(result_of({
      successful_record(0, 5, {10, 20}, 30),
      failed(1, ErrorKind::http_status, 0, 10, "HTTP 500"),
  }));
  CHECK(metrics.usage_problems.requests == 0);
  CHECK(metrics.usage_problems.first_message.empty());
}
