// Report formats by extension from one run: JSON, CSV and the streamed JSONL request log agree
// with each other and with the server's trace (request ids, token counts, figures), and an
// unknown extension is refused before any load is sent.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

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

/// The fields of one CSV line (the report's rows quote no field that holds a comma here).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t at = 0;
  for (std::size_t comma; (comma = line.find(',', at)) != std::string::npos; at = comma + 1) {
    fields.push_back(line.substr(at, comma - at));
  }
  fields.push_back(line.substr(at));
  return fields;
}

}  // namespace

TEST_CASE("one run writes a JSON report and a CSV and a JSONL request log that agree") {
  ScratchDir scratch;
  auto sim = start_sim_process(
      {"--ttft-ms", "5", "--itl-ms", "2", "--trace", scratch.file("trace.jsonl")});
  const auto result = run_to_exit(
      llmpace_binary(), {"benchmark", "--target", sim.url, "--profile", "concurrent", "--rate",
                         "2,3", "--max-requests", "9", "--data", "prompt_tokens=16,output_tokens=4",
                         "-q", "--output", scratch.file("r.json"), "--output",
                         scratch.file("r.csv"), "--output", scratch.file("r.jsonl")});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  stop_sim_process(sim);
  const auto report = read_json_file(scratch.file("r.json"));
  REQUIRE(report["benchmarks"].size() == 2);

  // The request log against the server's own trace: the same requests, joined on request_id,
  // with the token counts the server sent.
  std::map<std::string, nlohmann::json> server;
  for (auto& line : read_json_lines(scratch.file("trace.jsonl"))) {
    const std::string id = line["request_id"];  // before the move below
    server[id] = std::move(line);
  }
  REQUIRE(server.size() == 18);
  const auto requests = read_json_lines(scratch.file("r.jsonl"));
  REQUIRE(requests.size() == 18);
  std::map<int, std::vector<nlohmann::json>> by_benchmark;
  std::set<std::string> request_ids;
  for (const auto& record : requests) {
    INFO(record.dump());
    CHECK(record["status"] == "successful");
    const std::string id = record["request_id"];
    CHECK(request_ids.insert(id).second);
    const auto truth = server.find(id);
    REQUIRE(truth != server.end());
    CHECK(record["output_tokens"] == 4);
    CHECK(truth->second["output_tokens"] == 4);
    CHECK(record["prompt_tokens"] == 16);
    CHECK(truth->second["prompt_tokens"] == 16);
    CHECK(record["output_tokens_source"] == "server_usage");
    CHECK(record["token_chunk_ms"].size() == 4);
    by_benchmark[record["benchmark"].get<int>()].push_back(record);
  }
  REQUIRE(by_benchmark.size() == 2);

  // The JSON report's figures are those of the logged requests.
  const auto csv = lines_of_file(scratch.file("r.csv"));
  REQUIRE(csv.size() == 3);  // header and one row per benchmark
  const auto columns = split_csv(csv[0]);
  const auto column = [&columns](const std::string& name) {
    const auto found = std::find(columns.begin(), columns.end(), name);
    REQUIRE(found != columns.end());
    return static_cast<std::size_t>(found - columns.begin());
  };
  for (int benchmark = 1; benchmark <= 2; ++benchmark) {
    INFO("benchmark " << benchmark);
    const auto& logged = by_benchmark[benchmark];
    const auto& stage = report["benchmarks"][benchmark - 1];
    REQUIRE(logged.size() == 9);
    std::set<int> indices;
    std::vector<double> ttft_ms;
    for (const auto& record : logged) {
      indices.insert(record["index"].get<int>());
      ttft_ms.push_back(record["ttft_ms"].get<double>());
    }
    CHECK(indices.size() == 9);
    CHECK(stage["requests"]["successful"] == 9);
    CHECK(stage["rate"] == benchmark + 1.0);
    const auto& ttft = stage["metrics"]["ttft_ms"];
    CHECK(ttft["count"] == 9);
    CHECK(ttft["min"].get<double>() ==
          Approx(*std::min_element(ttft_ms.begin(), ttft_ms.end())).margin(0.001));
    CHECK(ttft["max"].get<double>() ==
          Approx(*std::max_element(ttft_ms.begin(), ttft_ms.end())).margin(0.001));
    CHECK(stage["metrics"]["output_tokens"]["p50"] == 4);

    // The CSV row holds the same values as the JSON report.
    const auto row = split_csv(csv[benchmark]);
    REQUIRE(row.size() == columns.size());
    CHECK(row[column("benchmark")] == std::to_string(benchmark));
    CHECK(row[column("profile")] == "concurrent");
    CHECK(std::stod(row[column("rate")]) == benchmark + 1.0);
    CHECK(row[column("requests_successful")] == "9");
    CHECK(row[column("ttft_ms_count")] == "9");
    for (const char* stat : {"min", "max", "p50", "mean"}) {
      INFO(stat);
      CHECK(std::stod(row[column(std::string("ttft_ms_") + stat)]) ==
            Approx(ttft[stat].get<double>()).epsilon(1e-9));
    }
    CHECK(std::stod(row[column("output_tokens_per_s")]) ==
          Approx(stage["throughput"]["output_tokens_per_s"].get<double>()).epsilon(1e-9));
  }
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
