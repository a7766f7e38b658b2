// `llmpace report`: a saved report shown again and written back out, and two real runs against
// the embedded simulator compared, the slower one set to twice the TTFT and ITL of the other.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

/// A short concurrent benchmark against the embedded simulator, its report written to `path`.
void run_sim_benchmark(const std::string& path, const std::string& ttft_ms,
                       const std::string& itl_ms) {
  const auto result = run_to_exit(
      llmpace_binary(), {"benchmark", "--target", "sim", "--sim-ttft-ms", ttft_ms, "--sim-itl-ms",
                         itl_ms, "--profile", "concurrent", "--rate", "2", "--max-requests", "10",
                         "--data", "prompt_tokens=16,output_tokens=16", "-q", "--output", path});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
}

void check_one_line_error(const RunResult& result, const std::string& words) {
  INFO("stderr: " << result.stderr_text);
  CHECK(result.exit_code == 2);
  const auto lines = non_empty_lines(result.stderr_text);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Contains("llmpace: error:"));
  CHECK_THAT(lines[0], Contains(words));
  CHECK(result.stdout_text.empty());
}

}  // namespace

TEST_CASE("report compare: twice the simulator latencies give ratios of 2") {
  ScratchDir scratch;
  const std::string a = scratch.file("a.json");
  const std::string b = scratch.file("b.json");
  run_sim_benchmark(a, "40", "10");
  run_sim_benchmark(b, "80", "20");

  const std::string out_json = scratch.file("c.json");
  const std::string out_csv = scratch.file("c.csv");
  const std::string out_html = scratch.file("c.html");
  const auto result = run_to_exit(
      llmpace_binary(),
      {"report", "compare", a, b, "--output", out_json, "--output", out_csv, "--output", out_html});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  CHECK(result.stderr_text.empty());
  CHECK_THAT(result.stdout_text, Contains("#1 concurrent 2"));
  CHECK_THAT(result.stdout_text, Contains("ttft_ms p50"));

  const auto comparison = read_json_file(out_json);
  INFO(comparison.dump(2));
  CHECK(comparison["baseline"] == "a");
  REQUIRE(comparison["benchmarks"].size() == 1);
  const auto& metrics = comparison["benchmarks"][0]["metrics"];
  CHECK(metrics["ttft_ms_p50"]["ratios"][1].get<double>() == Approx(2.0).epsilon(0.15));
  CHECK(metrics["itl_ms_p50"]["ratios"][1].get<double>() == Approx(2.0).epsilon(0.15));
  CHECK(metrics["ttft_ms_p50"]["ratios"][0] == 1.0);
  CHECK(metrics["requests_errored"]["values"] == nlohmann::json::array({0.0, 0.0}));

  std::ifstream csv(out_csv);
  std::string header;
  std::getline(csv, header);
  CHECK(header == "benchmark,profile,rate,metric,run,value,ratio_to_baseline");

  // The HTML comparison draws both runs, named by their labels, on the same charts.
  std::ifstream html_file(out_html);
  const std::string html{std::istreambuf_iterator<char>(html_file),
                         std::istreambuf_iterator<char>()};
  CHECK_THAT(html, Contains("<svg"));
  CHECK_THAT(html, Contains(">a<"));
  CHECK_THAT(html, Contains(">b<"));
}

TEST_CASE("report: a saved report is shown again and written back unchanged") {
  ScratchDir scratch;
  const std::string a = scratch.file("a.json");
  run_sim_benchmark(a, "5", "1");
  const std::string copy = scratch.file("copy.json");
  const auto result = run_to_exit(llmpace_binary(), {"report", a, "--output", copy});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.stdout_text, Contains("target sim"));
  CHECK_THAT(result.stdout_text, Contains("concurrent"));
  CHECK(read_json_file(copy) == read_json_file(a));
}

TEST_CASE("report: missing, malformed or unsupported input is one line and exit 2") {
  ScratchDir scratch;
  check_one_line_error(run_to_exit(llmpace_binary(), {"report", scratch.file("missing.json")}),
                       "missing.json");
  { std::ofstream(scratch.file("bad.json")) << "{not json"; }
  check_one_line_error(run_to_exit(llmpace_binary(), {"report", scratch.file("bad.json")}),
                       "is not JSON");
  check_one_line_error(
      run_to_exit(llmpace_binary(), {"report", "compare", scratch.file("missing.json")}),
      "at least two reports");
  check_one_line_error(run_to_exit(llmpace_binary(), {"report", "compare", scratch.file("x.json"),
                                                      scratch.file("missing.json")}),
                       "cannot read report");
  check_one_line_error(run_to_exit(llmpace_binary(), {"report", scratch.file("bad.json"),
                                                      "--output", scratch.file("r.txt")}),
                       "unsupported format '.txt'");
  check_one_line_error(run_to_exit(llmpace_binary(), {"report"}), "expected a saved report");
}

namespace {

/// The shard reports pinned by the unit test "report merge: golden shard reports".
std::string golden_shard(int index) {
  return std::string(LLMPACE_TEST_DATA_DIR) + "/golden/merge_shard_" + std::to_string(index) +
         ".json";
}

}  // namespace

TEST_CASE("report merge: two shard files merge into one report") {
  ScratchDir scratch;
  const std::string merged_path = scratch.file("merged.json");
  const std::string csv_path = scratch.file("merged.csv");
  // Given in reverse order: shards are ordered by run.shard.index, not by position.
  const auto result = run_to_exit(
      llmpace_binary(),
      {"report", "merge", golden_shard(1), golden_shard(0), "-o", merged_path, "-o", csv_path});
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  CHECK(result.stderr_text.empty());
  CHECK_THAT(result.stdout_text, Contains("constant"));

  const auto shard0 = read_json_file(golden_shard(0));
  const auto shard1 = read_json_file(golden_shard(1));
  const auto merged = read_json_file(merged_path);
  REQUIRE(merged["benchmarks"].size() == 1);
  const auto& benchmark = merged["benchmarks"][0];
  for (const char* count : {"successful", "errored", "incomplete", "total"}) {
    INFO(count);
    CHECK(benchmark["requests"][count].get<int>() ==
          shard0["benchmarks"][0]["requests"][count].get<int>() +
              shard1["benchmarks"][0]["requests"][count].get<int>());
  }
  CHECK(benchmark["metrics"]["ttft_ms"]["count"].get<int>() ==
        benchmark["histograms"]["ttft_ms"]["count"].get<int>());
  CHECK(benchmark["timeline"].is_null());
  CHECK(merged["merge"]["shard_count"] == 2);
  CHECK(merged["merge"]["shards"][0]["file"] == golden_shard(0));
  CHECK_FALSE(merged["run"].contains("shard"));

  // Without --output the merged report goes to standard output, the same as the file.
  const auto to_stdout =
      run_to_exit(llmpace_binary(), {"report", "merge", golden_shard(0), golden_shard(1)});
  REQUIRE(to_stdout.exit_code == 0);
  auto printed = nlohmann::json::parse(to_stdout.stdout_text);
  CHECK(printed["benchmarks"] == merged["benchmarks"]);

  // The merged report is a report: `llmpace report` shows it again.
  const auto shown = run_to_exit(llmpace_binary(), {"report", merged_path});
  INFO(shown.stderr_text);
  CHECK(shown.exit_code == 0);
}

TEST_CASE("report merge: shards of different runs, a missing shard or a non-report exit 2") {
  ScratchDir scratch;
  auto other = read_json_file(golden_shard(1));
  other["run"]["run_id"] = "another-run";
  const std::string other_path = scratch.file("other.json");
  std::ofstream(other_path) << other.dump(2);
  check_one_line_error(
      run_to_exit(llmpace_binary(), {"report", "merge", golden_shard(0), other_path}),
      "are not shards of one run");

  check_one_line_error(run_to_exit(llmpace_binary(), {"report", "merge", golden_shard(1)}),
                       "shard 0 of 2 is missing");

  const std::string not_json = scratch.file("not.json");
  std::ofstream(not_json) << "not json";
  check_one_line_error(
      run_to_exit(llmpace_binary(), {"report", "merge", golden_shard(0), not_json}), "is not JSON");
}
