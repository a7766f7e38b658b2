// A fixed, hand-made Report covering what writers must show: a rate-less benchmark, errors of two
// kinds with their messages (one on two lines), a bad usage object, an interrupted benchmark with
// incomplete requests, mixed token sources. Golden files are rendered from it, so everything here
// is deterministic.
#pragma once

#include "llmpace/report/report.hpp"
#include "unit/metrics/record_factory.hpp"

namespace llmpace::test {

inline metrics::BenchmarkResult sample_synchronous() {
  metrics::BenchmarkResult result;
  result.profile = ProfileKind::synchronous;
  result.start = at_ms(0);
  result.end = at_ms(3000);
  result.records = {
      with_usage(successful_record(0, 40, {180, 200, 230, 250}, 260), 4),
      with_usage(successful_record(1000, 35, {1150, 1170, 1195}, 1200), 3),
      with_usage(successful_record(2000, 42, {2210, 2231, 2252, 2280, 2300}, 2301), 5),
  };
  return result;
}

inline metrics::BenchmarkResult sample_constant() {
  metrics::BenchmarkResult result;
  result.profile = ProfileKind::constant;
  result.rate = 2.5;
  result.start = at_ms(10000);
  result.end = at_ms(12000);
  result.records = {
      with_usage(successful_record(10000, 50, {10300, 10325, 10352}, 10360), 3),
      with_usage(successful_record(10400, 60, {10810, 10842, 10871, 10899}, 10900), 4),
      with_usage(successful_record(10800, 55, {11250, 11283}, 11290), 2),
      successful_record(11200, 70, {11900, 11931, 11968}, 11975),  // no usage: counted
      errored_record(11600, ErrorKind::http_status, 11620),
      errored_record(11601, ErrorKind::http_status, 11615),
      errored_record(11602, ErrorKind::idle_timeout, 11999),
  };
  result.records[1].scheduled = at_ms(10398.5);  // sent 1.5 ms late
  result.records[1].prompt_tokens = 120;
  // The server's usage was wrong, so this request's output was counted from its chunks.
  result.records[3].usage_problem = "completion_tokens is negative (-5)";
  // records[5] ended first of the two http_status errors: its message is the one shown.
  result.records[4].error_message = "HTTP 500: internal error";
  result.records[5].error_message =
      "HTTP 503: {\"error\": {\"message\": \"server overloaded\",\n  \"type\": \"unavailable\"}}";
  result.records[6].error_message = "no bytes for 300 ms (idle timeout)";
  return result;
}

inline metrics::BenchmarkResult sample_concurrent() {
  metrics::BenchmarkResult result;
  result.profile = ProfileKind::concurrent;
  result.rate = 8;
  result.interrupted = true;
  result.stop_reason = metrics::StopReason::signal;
  result.start = at_ms(20000);
  result.end = at_ms(20500);
  result.records = {
      with_usage(successful_record(20000, 900, {21250, 21300, 21360}, 21361), 3),
      with_usage(successful_record(20001, 950, {21400}, 21401), 1),
      incomplete_record(20002, {21450}, 20500),
      incomplete_record(20003, {}, 20500),
  };
  return result;
}

inline report::Report sample_report() {
  report::Report report;
  report.llmpace_version = "0.1.0-test";
  report.created_at = "2025-01-02T03:04:05Z";
  report.interrupted = true;
  report.run = {
      {"target", "http://127.0.0.1:8000"},
      {"model", "mistral-small-24b"},
      {"api", "chat"},
      {"profile", "sweep"},
      {"max_seconds", 30},
      {"headers", nlohmann::json::array({"X-Tenant"})},
  };
  report.benchmarks = {
      report::make_benchmark_report(sample_synchronous()),
      report::make_benchmark_report(sample_constant()),
      report::make_benchmark_report(sample_concurrent()),
  };
  return report;
}

}  // namespace llmpace::test
