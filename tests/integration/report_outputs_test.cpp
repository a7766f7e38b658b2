// Report formats by extension from one run: JSON, CSV and the streamed JSONL request log agree
// with each other, and an unknown extension is refused before any load is sent.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> lines_of_file(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("one run writes a JSON report and a CSV and a JSONL request log that agree") {
  ScratchDir scratch;
  const auto result = run_to_exit(llmpace_binary(), {"benchmark",
                                                     "--target",
                                                     "sim",
                                                     "--profile",
                                                     "concurrent",
                                                     "--rate",
                                                     "2,3",
                                                     "--max-requests",
                                                     "9",
                                                     "--data",
                                                     "prompt_tokens=16,output_tokens=4",
                                                     "--sim-ttft-ms",
                                                     "5",
                                                     "--sim-itl-ms",
                                                     "2",
                                                     "-q",
                                                     "--output",
                                                     scratch.file("r.json"),
                                                     "--output",
                                                     scratch.file("r.csv"),
                                                     "--output",
                                                     scratch.file("r.jsonl")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  const auto report = read_json_file(scratch.file("r.json"));
  REQUIRE(report["benchmarks"].size() == 2);

  const auto csv = lines_of_file(scratch.file("r.csv"));
  REQUIRE(csv.size() == 3);  // header and one row per benchmark
  CHECK_THAT(csv[0], Contains("ttft_ms_p99_9"));
  CHECK_THAT(csv[2], Contains(",concurrent,3,"));

  const auto requests = lines_of_file(scratch.file("r.jsonl"));
  CHECK(requests.size() == 18);
  std::size_t second_benchmark = 0;
  for (const auto& line : requests) {
    const auto record = nlohmann::json::parse(line);
    CHECK(record["status"] == "successful");
    CHECK(record["ttft_ms"].get<double>() > 0);
    if (record["benchmark"] == 2) ++second_benchmark;
  }
  CHECK(second_benchmark == 9);
}

TEST_CASE("an output with an unknown extension is refused before the run") {
  ScratchDir scratch;
  const auto result = run_to_exit(
      llmpace_binary(),
      {"benchmark", "--target", "sim", "--max-requests", "1", "--output", scratch.file("r.txt")});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text, Contains("unsupported format '.txt'"));
  CHECK(non_empty_lines(result.stderr_text).size() == 1);
}
