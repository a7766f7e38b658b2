#include "llmpace/report/json_writer.hpp"

#include <catch2/catch.hpp>

#include "unit/report/golden.hpp"
#include "unit/report/sample_report.hpp"

using llmpace::report::to_json;
using nlohmann::json;

namespace {

const char* const kSummaryKeys[] = {"count", "mean", "stddev", "min", "max", "p25",
                                    "p50",   "p75",  "p90",    "p95", "p99"};
const char* const kMetricKeys[] = {"ttft_ms",    "ttfb_ms",     "itl_ms",        "tpot_ms",
                                   "latency_ms", "send_lag_ms", "output_tokens", "prompt_tokens"};

}  // namespace

TEST_CASE("json: top-level fields", "[json]") {
  const auto report = llmpace::test::sample_report();
  const json out = to_json(report);
  CHECK(out.at("schema_version") == 2);
  CHECK(out.at("llmpace_version") == "0.1.0-test");
  CHECK(out.at("created_at") == "2025-01-02T03:04:05Z");
  CHECK(out.at("interrupted") == true);
  CHECK(out.at("run") == report.run);  // verbatim
  CHECK(out.at("metric_definitions").is_object());
  REQUIRE(out.at("benchmarks").size() == 3);
}

TEST_CASE("json: every benchmark has every field", "[json]") {
  const json out = to_json(llmpace::test::sample_report());
  for (const json& benchmark : out.at("benchmarks")) {
    for (const char* key : {"profile", "rate", "interrupted", "duration_s", "requests",
                            "errors_by_kind", "output_tokens_source", "metrics", "throughput"}) {
      INFO(key);
      CHECK(benchmark.contains(key));
    }
    for (const char* key : {"successful", "incomplete", "errored", "total"}) {
      CHECK(benchmark.at("requests").at(key).is_number_unsigned());
    }
    for (const char* key : {"requests_per_s", "output_tokens_per_s", "total_tokens_per_s"}) {
      CHECK(benchmark.at("throughput").at(key).is_number());
    }
    for (const char* metric : kMetricKeys) {
      for (const char* key : kSummaryKeys) {
        INFO(metric << "." << key);
        CHECK(benchmark.at("metrics").at(metric).at(key).is_number());
      }
    }
  }
}

TEST_CASE("json: benchmark values", "[json]") {
  const json benchmarks = to_json(llmpace::test::sample_report()).at("benchmarks");
  const json& synchronous = benchmarks.at(0);
  CHECK(synchronous.at("profile") == "synchronous");
  CHECK(synchronous.at("rate").is_null());
  CHECK(synchronous.at("interrupted") == false);
  CHECK(synchronous.at("duration_s") == 3.0);
  CHECK(synchronous.at("errors_by_kind") == json::object());
  CHECK(synchronous.at("output_tokens_source") == "server_usage");
  CHECK(synchronous.at("throughput").at("requests_per_s") == 1.0);
  CHECK(synchronous.at("throughput").at("output_tokens_per_s") == 4.0);  // 12 tokens / 3 s
  CHECK(synchronous.at("metrics").at("ttft_ms").at("p50") == 180.0);     // {150, 180, 210}
  CHECK(synchronous.at("metrics").at("ttft_ms").at("count") == 3);

  const json& constant = benchmarks.at(1);
  CHECK(constant.at("rate") == 2.5);
  CHECK(constant.at("requests") == json{{"successful", 4},
                                        {"incomplete", 0},
                                        {"errored", 3},
                                        {"total", 7},
                                        {"warmup", 0},
                                        {"cooldown", 0},
                                        {"dropped", 0},
                                        {"waited_for_slot", 0}});
  CHECK(constant.at("errors_by_kind") == json{{"http_status", 2}, {"idle_timeout", 1}});
  CHECK(constant.at("output_tokens_source") == "mixed");
  CHECK(constant.at("metrics").at("send_lag_ms").at("max") == 1.5);
  CHECK(constant.at("metrics").at("send_lag_ms").at("count") == 7);

  const json& concurrent = benchmarks.at(2);
  CHECK(concurrent.at("rate") == 8.0);
  CHECK(concurrent.at("interrupted") == true);
  CHECK(concurrent.at("requests").at("incomplete") == 2);
}

TEST_CASE("json: numbers survive a dump and parse unchanged", "[json]") {
  const json out = to_json(llmpace::test::sample_report());
  CHECK(json::parse(out.dump()) == out);
  CHECK(json::parse(out.dump(2)) == out);
}

TEST_CASE("json: an empty report is still complete", "[json]") {
  const json out = to_json(llmpace::report::Report{});
  CHECK(out.at("run") == json::object());
  CHECK(out.at("benchmarks") == json::array());
  CHECK(out.at("interrupted") == false);
}

TEST_CASE("json: golden report", "[json][golden]") {
  const json out = to_json(llmpace::test::sample_report());
  if (llmpace::test::updating_golden()) {
    llmpace::test::write_golden("report.json", out.dump(2) + "\n");
  }
  const std::string golden = llmpace::test::read_golden("report.json");
  REQUIRE_FALSE(golden.empty());
  // Parsed objects are compared: key order and whitespace are not part of the contract.
  const json expected = json::parse(golden);
  INFO(out.dump(2));
  CHECK(out == expected);
}
