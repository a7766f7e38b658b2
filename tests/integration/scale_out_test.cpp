// Scale-out end to end (docs/scale-out.md): four `llmpace benchmark --shard I/4` processes against
// one simulator send exactly the schedule one process sends, and `llmpace report merge` of their
// reports gives the counts of the whole and percentiles within the stated error of those of the
// concatenated request logs; shards of different runs are refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

constexpr int kShards = 4;
constexpr int kRequests = 120;

std::vector<std::string> benchmark_arguments(const std::string& url, const std::string& run_id) {
  return {"benchmark",
          "--target",
          url,
          "--profile",
          "constant",
          "--rate",
          "120",
          "--max-requests",
          std::to_string(kRequests),
          "--data",
          "prompt_tokens=32,output_tokens=8",
          "--threads",
          "1",
          "--run-id",
          run_id,
          "--start-at",
          "+1s",
          "-q"};
}

/// Runs the shards of `indices` at once, each writing shard-I.json and shard-I.jsonl to `dir`.
void run_shards(const std::string& url, const std::string& run_id, const ScratchDir& scratch,
                const std::string& prefix, const std::vector<int>& indices) {
  std::vector<std::unique_ptr<ChildProcess>> shards;
  for (const int index : indices) {
    std::vector<std::string> arguments = benchmark_arguments(url, run_id);
    const std::string name = scratch.file(prefix + std::to_string(index));
    for (const std::string& more :
         {std::string("--shard"), std::to_string(index) + "/" + std::to_string(kShards),
          std::string("--output"), name + ".json", std::string("--output"), name + ".jsonl"}) {
      arguments.push_back(more);
    }
    shards.push_back(std::make_unique<ChildProcess>(llmpace_binary(), arguments));
  }
  for (auto& shard : shards) {
    const auto exit_code = shard->wait_for_exit(std::chrono::seconds(120));
    INFO(shard->stderr_text());
    REQUIRE(exit_code == 0);
  }
}

/// Type-7 percentile of `values` at `q` in [0, 100].
double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (rank - static_cast<double>(below)) * (values[above] - values[below]);
}

}  // namespace

TEST_CASE("four shards send one process's schedule and merge into its counts and percentiles") {
  ScratchDir scratch;
  SimProcess sim = start_sim_process({"--ttft-ms", "5", "--itl-ms", "2"});

  // One process, the reference schedule.
  std::vector<std::string> single = benchmark_arguments(sim.url, "single");
  single.insert(single.end(), {"--output", scratch.file("single.jsonl")});
  const auto whole = run_to_exit(llmpace_binary(), single);
  INFO(whole.stderr_text);
  REQUIRE(whole.exit_code == 0);

  run_shards(sim.url, "run-a", scratch, "shard-", {0, 1, 2, 3});

  // The shards' requests are the single process's: the same indices, due times and prompts.
  using Entry = std::tuple<std::int64_t, double, std::string>;
  const auto entries_of = [](const std::vector<nlohmann::json>& lines) {
    std::multiset<Entry> entries;
    for (const auto& line : lines) {
      entries.emplace(line.at("index").get<std::int64_t>(), line.at("scheduled_ms").get<double>(),
                      line.at("body_hash").get<std::string>());
    }
    return entries;
  };
  std::vector<nlohmann::json> concatenated;
  for (int index = 0; index < kShards; ++index) {
    for (auto& line : read_json_lines(scratch.file("shard-" + std::to_string(index) + ".jsonl"))) {
      CHECK(line.at("index").get<std::int64_t>() % kShards == index);
      concatenated.push_back(std::move(line));
    }
  }
  CHECK(concatenated.size() == static_cast<std::size_t>(kRequests));
  CHECK(entries_of(concatenated) == entries_of(read_json_lines(scratch.file("single.jsonl"))));

  std::vector<std::string> merge{"report", "merge"};
  for (int index = 0; index < kShards; ++index) {
    merge.push_back(scratch.file("shard-" + std::to_string(index) + ".json"));
  }
  merge.insert(merge.end(), {"--output", scratch.file("merged.json")});
  const auto merged_run = run_to_exit(llmpace_binary(), merge);
  INFO(merged_run.stderr_text);
  REQUIRE(merged_run.exit_code == 0);
  const nlohmann::json merged = read_json_file(scratch.file("merged.json"));
  REQUIRE(merged.at("benchmarks").size() == 1);
  const nlohmann::json& benchmark = merged["benchmarks"][0];
  CHECK(benchmark.at("requests").at("successful") == kRequests);
  CHECK(benchmark.at("requests").at("total") == kRequests);

  // Percentiles within the stated relative error of the concatenated logs' own.
  const double relative_error = merged.at("merge").at("percentile_relative_error").get<double>();
  CHECK(relative_error <= 0.001);
  for (const char* name : {"ttft_ms", "latency_ms"}) {
    std::vector<double> values;
    for (const auto& line : concatenated) {
      if (line.at("status") == "successful") values.push_back(line.at(name).get<double>());
    }
    REQUIRE(values.size() == static_cast<std::size_t>(kRequests));
    const nlohmann::json& distribution = benchmark.at("metrics").at(name);
    CHECK(distribution.at("count") == kRequests);
    for (const auto& [field, rank] : {std::pair{"p50", 50.0}, std::pair{"p90", 90.0},
                                      std::pair{"p99", 99.0}, std::pair{"max", 100.0}}) {
      INFO(name << " " << field);
      const double exact = percentile(values, rank);
      CHECK(std::abs(distribution.at(field).get<double>() - exact) <=
            exact * relative_error + 1e-5);  // the log keeps microseconds
    }
  }

  // A shard of another run in place of shard 1: refused, nothing written.
  run_shards(sim.url, "run-b", scratch, "other-", {1});
  const auto mixed = run_to_exit(
      llmpace_binary(), {"report", "merge", scratch.file("shard-0.json"),
                         scratch.file("other-1.json"), scratch.file("shard-2.json"),
                         scratch.file("shard-3.json"), "--output", scratch.file("mixed.json")});
  INFO(mixed.stderr_text);
  CHECK(mixed.exit_code == 2);
  CHECK(non_empty_lines(mixed.stderr_text).size() == 1);
  CHECK_THAT(mixed.stderr_text, Contains("other-1.json"));
  CHECK_FALSE(std::filesystem::exists(scratch.file("mixed.json")));
  stop_sim_process(sim);
}

TEST_CASE("a shard started late still starts at the instant shard 0 wrote in the start file") {
  ScratchDir scratch;
  SimProcess sim = start_sim_process({"--ttft-ms", "5", "--itl-ms", "2"});
  const std::string start_file = scratch.file("run/start");
  const auto shard_arguments = [&](int index) {
    return std::vector<std::string>{"benchmark",
                                    "--target",
                                    sim.url,
                                    "--profile",
                                    "concurrent",
                                    "--rate",
                                    "4",
                                    "--max-requests",
                                    "8",
                                    "--data",
                                    "prompt_tokens=16,output_tokens=4",
                                    "--shard",
                                    std::to_string(index) + "/2",
                                    "--start-at",
                                    "+2s",
                                    "--start-file",
                                    start_file,
                                    "--output",
                                    scratch.file("shard-" + std::to_string(index) + ".json")};
  };
  ChildProcess waiting(llmpace_binary(), shard_arguments(1));
  // Shard 1 is ready and waiting for the file before shard 0 even starts.
  REQUIRE(waiting.wait_for_stderr_line("waiting for shard 0's start instant",
                                       std::chrono::seconds(60)));
  CHECK_FALSE(std::filesystem::exists(start_file));
  const auto publisher = run_to_exit(llmpace_binary(), shard_arguments(0));
  INFO(publisher.stderr_text);
  REQUIRE(publisher.exit_code == 0);
  REQUIRE(waiting.wait_for_exit(std::chrono::seconds(60)) == 0);

  const auto shard0 = read_json_file(scratch.file("shard-0.json"));
  const auto shard1 = read_json_file(scratch.file("shard-1.json"));
  // Both started at the published instant, give or take the machine's scheduling.
  for (const auto* report : {&shard0, &shard1}) {
    const double late_ms = report->at("run").at("start_late_ms").get<double>();
    CHECK(late_ms >= 0);
    CHECK(late_ms < 500);
  }
  const double start0 = shard0["benchmarks"][0].at("window_start_unix_s").get<double>();
  const double start1 = shard1["benchmarks"][0].at("window_start_unix_s").get<double>();
  CHECK(std::abs(start0 - start1) < 0.5);
  CHECK(shard0["benchmarks"][0]["requests"]["total"].get<int>() +
            shard1["benchmarks"][0]["requests"]["total"].get<int>() ==
        8);
  stop_sim_process(sim);
}

namespace {

/// `llmpace benchmark` arguments of shard I of 3 of a run of two constant rates, with a start file.
std::vector<std::string> two_rate_shard(const std::string& url, const ScratchDir& scratch,
                                        int index, const std::string& limit) {
  return {"benchmark",
          "--target",
          url,
          "--profile",
          "constant",
          "--rate",
          "30,60",
          limit.front() == 'r' ? "--max-requests" : "--max-seconds",
          limit.substr(1),
          "--data",
          "prompt_tokens=16,output_tokens=4",
          "--threads",
          "1",
          "--shard",
          std::to_string(index) + "/3",
          "--run-id",
          "two-rates",
          "--start-at",
          "+1s",
          "--start-file",
          scratch.file("run/start"),
          "--output",
          scratch.file("shard-" + std::to_string(index) + ".json")};
}

}  // namespace

TEST_CASE("the shards of a run of several benchmarks start every benchmark together") {
  ScratchDir scratch;
  SimProcess sim = start_sim_process({"--ttft-ms", "5", "--itl-ms", "2"});
  std::vector<std::unique_ptr<ChildProcess>> shards;
  for (int index = 0; index < 3; ++index) {
    shards.push_back(std::make_unique<ChildProcess>(
        llmpace_binary(), two_rate_shard(sim.url, scratch, index, "r30")));
  }
  for (auto& shard : shards) {
    const auto exit_code = shard->wait_for_exit(std::chrono::seconds(120));
    INFO(shard->stderr_text());
    REQUIRE(exit_code == 0);
  }
  std::vector<nlohmann::json> reports;
  for (int index = 0; index < 3; ++index) {
    reports.push_back(read_json_file(scratch.file("shard-" + std::to_string(index) + ".json")));
    REQUIRE(reports.back().at("benchmarks").size() == 2);
  }
  // The second benchmark: shard 0 settled for all, the others waited for its instant, and all
  // began it together (give or take the machine's scheduling).
  const double start0 = reports[0]["benchmarks"][1].at("window_start_unix_s").get<double>();
  for (int index = 0; index < 3; ++index) {
    INFO("shard " << index);
    const nlohmann::json& settle = reports[index]["benchmarks"][1].at("settle");
    CHECK(settle.at("method") == (index == 0 ? "server_idle" : "shard_start"));
    CHECK(settle.at("start_late_ms").get<double>() >= 0);
    CHECK(settle.at("start_late_ms").get<double>() < 200);
    const double start = reports[index]["benchmarks"][1].at("window_start_unix_s").get<double>();
    CHECK(std::abs(start - start0) < 0.2);
  }
  CHECK(std::filesystem::exists(scratch.file("run/start.1")));

  const auto merged =
      run_to_exit(llmpace_binary(),
                  {"report", "merge", scratch.file("shard-0.json"), scratch.file("shard-1.json"),
                   scratch.file("shard-2.json"), "--output", scratch.file("merged.json")});
  INFO(merged.stderr_text);
  REQUIRE(merged.exit_code == 0);
  const nlohmann::json report = read_json_file(scratch.file("merged.json"));
  REQUIRE(report.at("benchmarks").size() == 2);
  for (const auto& benchmark : report["benchmarks"]) {
    CHECK(benchmark.at("requests").at("total") == 30);
  }
  stop_sim_process(sim);
}

TEST_CASE(
    "a shard stopped by Ctrl-C stops the others at the next benchmark and all keep their reports") {
  ScratchDir scratch;
  SimProcess sim = start_sim_process({"--ttft-ms", "5", "--itl-ms", "2"});
  std::vector<std::unique_ptr<ChildProcess>> shards;
  for (int index = 0; index < 3; ++index) {
    shards.push_back(std::make_unique<ChildProcess>(llmpace_binary(),
                                                    two_rate_shard(sim.url, scratch, index, "s3")));
  }
  REQUIRE(shards[1]->wait_for_stderr_line("[1/2]", std::chrono::seconds(60)));
  shards[1]->send_signal(SIGINT);
  for (auto& shard : shards) {
    const auto exit_code = shard->wait_for_exit(std::chrono::seconds(60));
    INFO(shard->stderr_text());
    CHECK(exit_code == 130);
  }
  for (int index = 0; index < 3; ++index) {
    INFO("shard " << index);
    const auto report = read_json_file(scratch.file("shard-" + std::to_string(index) + ".json"));
    CHECK(report.at("interrupted") == true);
    CHECK(report.at("benchmarks").size() == 1);
    if (index != 1) {
      CHECK(report.at("run").at("shard_stopped") ==
            "shard 1 stopped before benchmark 2: interrupted");
    }
  }
  CHECK_FALSE(std::filesystem::exists(scratch.file("run/start.1")));
  stop_sim_process(sim);
}
