// A saturated server that finishes no request in a short benchmark still gets numbers: what the
// incomplete requests measured (docs/metrics.md#incomplete-requests), from the real binary
// against the embedded simulator.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

/// The cells of line `line` of a CSV file whose cells hold no comma or quote.
std::vector<std::string> csv_line(const std::string& path, std::size_t line) {
  std::ifstream in(path);
  std::string text;
  for (std::size_t i = 0; i <= line; ++i) std::getline(in, text);
  std::vector<std::string> cells;
  std::istringstream cells_in(text + ",");
  for (std::string cell; std::getline(cells_in, cell, ',');) cells.push_back(cell);
  return cells;
}

}  // namespace

TEST_CASE("a benchmark that finishes no request reports what its incomplete requests measured") {
  // The `fast` preset runs 16 sequences at most, with ~2 ms decode steps: 2048 output tokens take
  // over 4 s, so in 3 s no request ends; 16 of the 64 streams get tokens, the others queue.
  ScratchDir scratch;
  const auto result = run_to_exit(
      llmpace_binary(),
      {"benchmark", "--target", "sim", "--sim-preset", "fast", "--profile", "concurrent", "--rate",
       "64", "--data", "prompt_tokens=128,output_tokens=2048", "--max-seconds", "3", "--output",
       scratch.file("r.json"), "--output", scratch.file("r.csv")});
  INFO(result.stdout_text);
  INFO(result.stderr_text);
  // Nothing succeeded: exit code 1, but only after every report was written.
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.stderr_text, Contains("no request succeeded"));
  CHECK_THAT(result.stdout_text, Contains("64 incomplete (cancelled when the benchmark stopped)"));
  CHECK_THAT(result.stdout_text, Contains(" got a first token: TTFT p50 "));
  CHECK_THAT(result.stdout_text, Contains(" got no token: waited p50 "));

  const auto report = read_json_file(scratch.file("r.json"));
  const auto& benchmark = report.at("benchmarks").at(0);
  CHECK(benchmark.at("requests").at("successful") == 0);
  CHECK(benchmark.at("requests").at("incomplete") == 64);
  // The successful requests' distributions stay empty: nothing of the incomplete ones leaks in.
  CHECK(benchmark.at("metrics").at("ttft_ms").at("count") == 0);
  CHECK(benchmark.at("metrics").at("itl_ms").at("count") == 0);

  const auto& incomplete = benchmark.at("incomplete");
  const auto with_first_token = incomplete.at("with_first_token").get<std::size_t>();
  CHECK(with_first_token > 0);
  CHECK(incomplete.at("ttft_ms").at("count") == with_first_token);
  CHECK(incomplete.at("ttft_ms").at("p50").get<double>() > 0);
  CHECK(incomplete.at("itl_ms").at("count").get<std::size_t>() > with_first_token);
  CHECK(incomplete.at("token_chunks").at("count") == with_first_token);
  // Those that queued all along waited about the whole benchmark.
  const auto waiting = incomplete.at("waited_ms").at("count").get<std::size_t>();
  CHECK(waiting > 0);
  CHECK(with_first_token + waiting <= 64);
  CHECK(incomplete.at("waited_ms").at("max").get<double>() > 1000);
  CHECK(incomplete.at("waited_ms").at("max").get<double>() < 3500);

  const std::vector<std::string> header = csv_line(scratch.file("r.csv"), 0);
  const std::vector<std::string> row = csv_line(scratch.file("r.csv"), 1);
  REQUIRE(row.size() == header.size());
  const auto column = std::find(header.begin(), header.end(), "incomplete_with_first_token");
  REQUIRE(column != header.end());
  CHECK(row[static_cast<std::size_t>(column - header.begin())] == std::to_string(with_first_token));
}
