// Bad input gets one clear line and exit code 2 (configuration) or 1 (nothing measured), before
// any load is sent, and never a stack trace.
#include <catch2/catch.hpp>
#include <filesystem>

#include "capture_server.hpp"
#include "harness.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;

namespace {

void check_one_line_error(const RunResult& result, int expected_exit, const std::string& words) {
  INFO("stderr: " << result.stderr_text);
  CHECK(result.exit_code == expected_exit);
  const auto lines = non_empty_lines(result.stderr_text);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Contains("llmpace: error:"));
  CHECK_THAT(lines[0], Contains(words));
  CHECK(result.stdout_text.empty());
}

const std::vector<std::string> kSmallSimRun = {"benchmark", "--target", "sim", "--max-requests",
                                               "1"};

std::vector<std::string> with(std::vector<std::string> base, std::vector<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

}  // namespace

TEST_CASE("version and help flags succeed") {
  auto result = run_to_exit(llmpace_binary(), {"--version"});
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.stdout_text, Contains("llmpace 0."));
  result = run_to_exit(llmpace_binary(), {"--help"});
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.stdout_text, Contains("benchmark"));
  CHECK_THAT(result.stdout_text, Contains("sim"));
  result = run_to_exit(llmpace_binary(), {"benchmark", "--help"});
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.stdout_text, Contains("--max-requests"));
  CHECK_THAT(result.stdout_text, Contains("apply to EACH"));
}

TEST_CASE("an unknown flag is a configuration error") {
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--bogus-flag"})), 2,
                       "bogus-flag");
}

TEST_CASE("a bad URL is a configuration error") {
  check_one_line_error(run_to_exit(llmpace_binary(), {"benchmark", "--target", "localhost:8000",
                                                      "--max-requests", "1"}),
                       2, "invalid URL");
  check_one_line_error(run_to_exit(llmpace_binary(), {"benchmark", "--target", "ftp://127.0.0.1",
                                                      "--max-requests", "1"}),
                       2, "unsupported scheme");
}

TEST_CASE("garbage in --data is a configuration error") {
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", "lots"})), 2,
                       "--data");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", "prompt_tokens=-3"})), 2,
      "prompt_tokens");
}

TEST_CASE("other bad flags are configuration errors") {
  check_one_line_error(run_to_exit(llmpace_binary(), {"benchmark", "--target", "sim"}), 2,
                       "--max-requests or --max-seconds");
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--profile", "wobbly"})),
                       2, "unknown profile");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--profile", "concurrent"})), 2, "--rate");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--output", "/nonexistent/dir/r.json"})), 2,
      "cannot write");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--header", "no colon here"})), 2,
      "--header");
}

TEST_CASE("an output path whose directory cannot be looked at is a configuration error") {
  // A symbolic link to itself: looking the path up fails with ELOOP, as a directory the user may
  // not search fails with EACCES (root, who runs these tests, may search any). It used to escape
  // as "internal error: filesystem error".
  ScratchDir scratch;
  std::filesystem::create_symlink("loop", scratch.file("loop"));
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--output", scratch.file("loop/r.json")})),
      2, "cannot write there");
}

TEST_CASE("a configuration error sends nothing: the server sees no connection at all") {
  CaptureServer server;
  const std::string datasets = std::string(LLMPACE_TEST_DATA_DIR) + "/datasets/";
  ScratchDir scratch;
  const std::vector<std::string> run = {"benchmark", "--target", server.url(), "--max-requests",
                                        "1"};
  // Errors of every stage before the load: flags, the plan, workload files, outputs.
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus-flag"}, "bogus-flag"},
      {{"--profile", "wobbly"}, "unknown profile"},
      {{"--header", "no colon here"}, "--header"},
      {{"--data", "prompt_tokens=-3"}, "prompt_tokens"},
      {{"--data", datasets + "empty.jsonl"}, "empty dataset"},
      {{"--slo", "ttft=3"}, "--slo"},
      {{"--output", scratch.file("r.txt")}, "unsupported format"},
      {{"--output", "/nonexistent/dir/r.json"}, "cannot write"},
  };
  for (const auto& [flags, words] : cases) {
    const auto result = run_to_exit(llmpace_binary(), with(run, flags));
    INFO(flags.front() << ": " << result.stderr_text);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.stderr_text, Contains(words));
  }
  server.stop();
  CHECK(server.connections() == 0);
  CHECK(server.requests().empty());
}

TEST_CASE("an unreachable target measures nothing: exit 1") {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  // Model discovery fails first.
  check_one_line_error(
      run_to_exit(llmpace_binary(), {"benchmark", "--target", url, "--max-requests", "2"}), 1,
      "cannot reach target");
}

TEST_CASE("an unreachable target with --model: every request errors, report still printed") {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  ScratchDir scratch;
  const auto result =
      run_to_exit(llmpace_binary(), {"benchmark", "--target", url, "--model", "m", "--max-requests",
                                     "3", "--output", scratch.file("r.json")});
  INFO(result.stderr_text);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.stderr_text, Contains("no request succeeded (3 connect)"));
  const auto report = read_json_file(scratch.file("r.json"));
  CHECK(report["benchmarks"][0]["requests"]["errored"] == 3);
  CHECK(report["benchmarks"][0]["errors_by_kind"]["connect"] == 3);
}

TEST_CASE("bad simulator flags are configuration errors before it listens") {
  const auto sim = [](std::vector<std::string> flags) {
    return run_to_exit(llmpace_binary(), with({"sim", "--port", "0"}, std::move(flags)));
  };
  check_one_line_error(sim({"--fault", "bogus:0.1"}), 2, "unknown fault kind 'bogus'");
  check_one_line_error(sim({"--fault", "http_500:2"}), 2, "probability");
  check_one_line_error(sim({"--fault", "http_500:0.6", "--fault", "stall:0.6"}), 2, "--fault");
  check_one_line_error(sim({"--preset", "nope"}), 2, "unknown preset 'nope'");
  check_one_line_error(sim({"--max-num-seqs", "4"}), 2, "need --preset");
  check_one_line_error(sim({"--preset", "fast", "--engine-param", "wings=2"}), 2,
                       "unknown parameter 'wings'");
  check_one_line_error(sim({"--preset", "fast", "--gpu-memory-utilization", "0.5"}), 2,
                       "no memory left for the KV cache");
  check_one_line_error(sim({"--dcgm-port", "0"}), 2, "--dcgm-port needs --preset");
  check_one_line_error(sim({"--trace", "/nonexistent/dir/t.jsonl"}), 2, "--trace");
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--sim-preset", "nope"})),
                       2, "--sim-preset");
}

TEST_CASE("bad workload input is a configuration error before any load") {
  const std::string datasets = std::string(LLMPACE_TEST_DATA_DIR) + "/datasets/";
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", datasets + "empty.jsonl"})), 2,
      "empty dataset");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", "/nonexistent/rows.jsonl"})), 2,
      "cannot read");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", datasets + "quoted.csv",
                                                        "--data-column", "question"})),
      2, "--data-column 'question'");
  check_one_line_error(
      run_to_exit(llmpace_binary(),
                  with(kSmallSimRun, {"--data", datasets + "quoted.csv", "--data-samples", "0"})),
      2, "--data-samples");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data-column", "prompt"})), 2,
      "--data FILE");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--data", "prompt_tokens=7"})), 2,
      "adds 8 tokens by itself");
  check_one_line_error(
      run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--tokenizer", "/nonexistent/tok.json"})),
      2, "--tokenizer");
  check_one_line_error(
      run_to_exit(llmpace_binary(), {"benchmark", "--target", "sim", "--profile", "replay"}), 2,
      "--profile replay needs a FILE");
  check_one_line_error(run_to_exit(llmpace_binary(), {"benchmark", "--target", "sim", "--profile",
                                                      "replay", "--data", datasets + "quoted.csv"}),
                       2, "no usable rows");
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--time-scale", "0"})), 2,
                       "--time-scale");
  check_one_line_error(run_to_exit(llmpace_binary(), with(kSmallSimRun, {"--time-unit", "hours"})),
                       2, "--time-unit");
}
