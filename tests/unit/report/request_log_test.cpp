// Request log: exact JSON of a record, concurrent appends from several threads, open errors.
#include "llmpace/report/request_log.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "llmpace/core/error.hpp"
#include "unit/metrics/record_factory.hpp"

using llmpace::report::record_to_json;
using llmpace::report::RequestLogWriter;
using llmpace::test::at_ms;
using nlohmann::json;
namespace metrics = llmpace::metrics;

namespace {

// A file in a per-process directory, removed with the directory at the end of the test.
struct TempFile {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("llmpace-request-log-test-" + std::to_string(::getpid()));
  std::string path = (dir / "requests.jsonl").string();
  TempFile() { std::filesystem::create_directories(dir); }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

metrics::RequestRecord complete_record() {
  metrics::RequestRecord record;
  record.index = 42;
  record.request_id = "llmpace-0123456789abcdef-42";
  record.body_hash = 0xfedcba9876543210ULL;
  record.status = metrics::RequestStatus::successful;
  record.http_status = 200;
  record.scheduled = at_ms(100);
  record.dispatched = at_ms(100.25);
  record.sent = at_ms(101);
  record.first_byte = at_ms(150.5);
  record.first_token = at_ms(180);
  record.token_chunk_times = {at_ms(180), at_ms(190.5), at_ms(201)};
  record.done = at_ms(201.5);
  record.prompt_tokens = 512;
  record.prompt_tokens_source = metrics::TokenCountSource::server_usage;
  record.output_tokens = 3;
  record.output_tokens_source = metrics::TokenCountSource::chunk_count;
  record.finish_reason = "length";
  record.waited_for_slot = true;
  return record;
}

metrics::RequestRecord errored_record() {
  metrics::RequestRecord record;
  record.index = 7;
  record.status = metrics::RequestStatus::errored;
  record.error_kind = llmpace::ErrorKind::connect;
  record.error_message = "connection refused";
  record.scheduled = at_ms(-2.5);  // before the start: a negative offset, not an unset time
  record.dispatched = at_ms(3);
  record.phase = llmpace::metrics::WindowPhase::warmup;
  return record;
}

}  // namespace

TEST_CASE("request log: a record with every time set", "[request_log]") {
  const json out = record_to_json(complete_record(), at_ms(0), 1);
  const json expected = {
      {"benchmark", 2},
      {"index", 42},
      {"request_id", "llmpace-0123456789abcdef-42"},
      {"body_hash", "fedcba9876543210"},
      {"status", "successful"},
      {"error_kind", nullptr},
      {"error_message", nullptr},
      {"http_status", 200},
      {"phase", "measured"},
      {"waited_for_slot", true},
      {"scheduled_ms", 100.0},
      {"dispatched_ms", 100.25},
      {"sent_ms", 101.0},
      {"first_byte_ms", 150.5},
      {"first_token_ms", 180.0},
      {"done_ms", 201.5},
      {"ttft_ms", 79.0},
      {"latency_ms", 100.5},
      {"token_chunk_ms", {180.0, 190.5, 201.0}},
      {"prompt_tokens", 512},
      {"prompt_tokens_source", "server_usage"},
      {"output_tokens", 3},
      {"output_tokens_source", "chunk_count"},
      {"finish_reason", "length"},
      {"usage_problem", nullptr},
  };
  CHECK(out == expected);
  CHECK(json::parse(out.dump()) == expected);
}

TEST_CASE("request log: an errored record with unset times", "[request_log]") {
  const json out = record_to_json(errored_record(), at_ms(0), 0);
  const json expected = {
      {"benchmark", 1},
      {"index", 7},
      {"request_id", nullptr},
      {"body_hash", nullptr},
      {"status", "errored"},
      {"error_kind", "connect"},
      {"error_message", "connection refused"},
      {"http_status", nullptr},
      {"phase", "warmup"},
      {"waited_for_slot", false},
      {"scheduled_ms", -2.5},
      {"dispatched_ms", 3.0},
      {"sent_ms", nullptr},
      {"first_byte_ms", nullptr},
      {"first_token_ms", nullptr},
      {"done_ms", nullptr},
      {"ttft_ms", nullptr},
      {"latency_ms", nullptr},
      {"token_chunk_ms", json::array()},
      {"prompt_tokens", 0},
      {"prompt_tokens_source", "none"},
      {"output_tokens", 0},
      {"output_tokens_source", "none"},
      {"finish_reason", nullptr},
      {"usage_problem", nullptr},
  };
  CHECK(out == expected);
  CHECK(json::parse(out.dump()) == expected);
}

TEST_CASE("request log: concurrent appends write whole lines", "[request_log]") {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  const TempFile file;
  {
    RequestLogWriter writer(file.path);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        metrics::RequestRecord record = complete_record();
        // Long lines make a torn or interleaved write visible.
        record.error_message = std::string(2000, static_cast<char>('a' + t));
        for (int i = 0; i < kPerThread; ++i) {
          record.index = static_cast<std::uint64_t>(t * kPerThread + i);
          writer.append(record, at_ms(0), static_cast<std::size_t>(t));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    // Flushed per line: everything is in the file before close().
    CHECK(lines_of(file.path).size() == kThreads * kPerThread);
    writer.close();
  }
  const auto lines = lines_of(file.path);
  REQUIRE(lines.size() == kThreads * kPerThread);
  std::set<std::uint64_t> indices;
  for (const std::string& line : lines) {
    const json record = json::parse(line);  // throws on a torn line
    const auto index = record.at("index").get<std::uint64_t>();
    const auto thread = static_cast<int>(index) / kPerThread;
    CHECK(record.at("benchmark") == thread + 1);
    CHECK(record.at("error_message") == std::string(2000, static_cast<char>('a' + thread)));
    indices.insert(index);
  }
  CHECK(indices.size() == kThreads * kPerThread);
}

TEST_CASE("request log: the file is truncated, and bad UTF-8 is replaced", "[request_log]") {
  const TempFile file;
  std::ofstream(file.path) << "old content\nmore\n";
  RequestLogWriter writer(file.path);
  metrics::RequestRecord record = errored_record();
  record.error_message = "bad \xff byte";
  writer.append(record, at_ms(0), 0);
  writer.close();
  writer.close();                      // later calls do nothing
  writer.append(record, at_ms(0), 0);  // ignored after close
  const auto lines = lines_of(file.path);
  REQUIRE(lines.size() == 1);
  CHECK(json::parse(lines[0]).at("error_message") == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("request log: a path in a missing directory throws RunError", "[request_log]") {
  const std::string path = "/nonexistent-llmpace-dir/sub/requests.jsonl";
  CHECK_THROWS_AS(RequestLogWriter(path), llmpace::RunError);
  CHECK_THROWS_WITH(RequestLogWriter(path),
                    "cannot open request log " + path + ": No such file or directory");
}
