// `llmpace suite run`: two simulator variants (the bf16 and INT4 presets), every file of the run
// directory, a regression against the previous run, a variant that cannot be reached, and bad
// suites refused before any load.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "harness.hpp"
#include "support/child_process.hpp"

using namespace llmpace::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kSuiteData = std::string(LLMPACE_TEST_DATA_DIR) + "/suites";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

/// Writes the suite `text` to `name` in `scratch`, beside a copy of tests/data/suites/short.yaml
/// (the scenario every suite here runs); returns its path.
std::string write_suite_file(const ScratchDir& scratch, const std::string& name,
                             const std::string& text) {
  fs::copy_file(kSuiteData + "/short.yaml", scratch.file("short.yaml"),
                fs::copy_options::overwrite_existing);
  const std::string path = scratch.file(name);
  write_file(path, text);
  return path;
}

/// A suite like tests/data/suites/two-sims.yaml, in `scratch`, with `int4_preset` for the INT4
/// variant and tolerances loose enough for a shared machine's noise.
std::string write_suite(const ScratchDir& scratch, const std::string& int4_preset) {
  return write_suite_file(scratch, "suite.yaml",
                          "suite: nightly\n"
                          "settings: {max_requests: 24, seed: 7}\n"
                          "scenarios: [short.yaml]\n"
                          "variants:\n"
                          "  - {name: bf16, target: sim, sim_preset: mistral-small-24b-bf16-h100}\n"
                          "  - {name: int4, target: sim, sim_preset: " +
                              int4_preset +
                              "}\n"
                              "regression:\n"
                              "  output_tokens_per_s: -30%\n");
}

RunResult suite_run(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {"suite", "run"});
  return run_to_exit(llmpace_binary(), arguments, std::chrono::seconds(240));
}

}  // namespace

TEST_CASE("a suite of two simulator variants writes every file of its run directory") {
  ScratchDir scratch;
  const std::string results = scratch.file("results");
  const RunResult result =
      suite_run({kSuiteData + "/two-sims.yaml", "--output-dir", results, "--quiet"});
  INFO("stderr: " << result.stderr_text);
  REQUIRE(result.exit_code == 0);

  const fs::path latest = fs::path(results) / "two-sims" / "latest";
  REQUIRE(fs::is_symlink(latest));
  const fs::path run = fs::canonical(latest);
  for (const char* variant : {"bf16", "int4"}) {
    for (const char* extension : {".json", ".csv", ".html", ".jsonl"}) {
      CHECK(fs::file_size(run / variant / (std::string("short") + extension)) > 0);
    }
  }
  for (const char* file : {"compare-short.txt", "compare-short.csv", "compare-short.html"}) {
    CHECK(fs::file_size(run / file) > 0);
  }
  std::ifstream compare(run / "compare-short.txt");
  const std::string compare_text((std::istreambuf_iterator<char>(compare)),
                                 std::istreambuf_iterator<char>());
  CHECK_THAT(compare_text, Contains("bf16") && Contains("int4") && Contains("ttft_ms p99"));

  const auto summary = read_json_file((run / "summary.json").string());
  CHECK(summary["suite"] == "two-sims");
  CHECK(summary["exit_code"] == 0);
  CHECK(summary["run_directory"] == run.filename().string());
  REQUIRE(summary["results"].size() == 2);
  for (const auto& entry : summary["results"]) {
    CHECK(entry["status"] == "ok");
    const auto report =
        read_json_file((run / entry["variant"].get<std::string>() / "short.json").string());
    // The summary's figures are the report's.
    CHECK(entry["benchmarks"][0]["figures"]["ttft_ms_p99"] ==
          report["benchmarks"][0]["metrics"]["ttft_ms"]["p99"]);
    CHECK(entry["benchmarks"][0]["requests"]["successful"] == 24);
  }
  CHECK(
      summary["variants"][1] ==
      nlohmann::json({{"name", "int4"}, {"labels", {{"quantization", "int4"}}}, {"status", "ok"}}));
  // INT4 weights leave more room and stream faster on the same GPU.
  CHECK(summary["results"][1]["benchmarks"][0]["figures"]["output_tokens_per_s"].get<double>() >
        summary["results"][0]["benchmarks"][0]["figures"]["output_tokens_per_s"].get<double>());
  CHECK_THAT(result.stdout_text, Contains("bf16/short") && Contains("int4/short"));
}

TEST_CASE("a second run with --baseline previous against a slowed variant exits 3 naming it") {
  ScratchDir scratch;
  const std::string results = scratch.file("results");
  RunResult first = suite_run({write_suite(scratch, "mistral-small-24b-int4-h100"), "--output-dir",
                               results, "--quiet", "--baseline", "previous"});
  INFO("first stderr: " << first.stderr_text);
  REQUIRE(first.exit_code == 0);  // no previous run: nothing to compare, not an error
  CHECK_THAT(first.stdout_text, Contains("no earlier finished run"));

  // The INT4 variant now serves at bf16 speed: its output tok/s about halves.
  const RunResult second =
      suite_run({write_suite(scratch, "mistral-small-24b-bf16-h100"), "--output-dir", results,
                 "--quiet", "--baseline", "previous"});
  INFO("second stdout: " << second.stdout_text << "\nstderr: " << second.stderr_text);
  CHECK(second.exit_code == 3);
  CHECK_THAT(second.stdout_text, Contains("int4/short") && Contains("output_tokens_per_s fell"));
  const auto summary =
      read_json_file((fs::path(results) / "nightly" / "latest" / "summary.json").string());
  REQUIRE(summary["regressions"].size() == 1);
  CHECK(summary["regressions"][0]["variant"] == "int4");
  CHECK(summary["regressions"][0]["metric"] == "output_tokens_per_s");
  CHECK(summary["regressions"][0]["change_percent"].get<double>() < -30.0);
  CHECK(summary["results"][0]["baseline"]["compared"] == 1);  // bf16 was compared, and held
  CHECK(summary["exit_code"] == 3);
}

TEST_CASE("a variant that cannot be reached fails alone, the others run") {
  ScratchDir scratch;
  const std::string path =
      write_suite_file(scratch, "suite.yaml",
                       "suite: s\nsettings: {max_requests: 8}\nscenarios: [short.yaml]\n"
                       "variants:\n"
                       "  - {name: gone, target: 'http://127.0.0.1:" +
                           std::to_string(unused_loopback_port()) +
                           "', model: m}\n"
                           "  - {name: here, target: sim}\n");
  const RunResult result = suite_run({path, "--output-dir", scratch.file("out"), "--quiet"});
  INFO("stderr: " << result.stderr_text);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.stderr_text, Contains("gone/short failed"));
  const auto summary = read_json_file(scratch.file("out") + "/s/latest/summary.json");
  CHECK(summary["results"][0]["status"] == "failed");
  CHECK_THAT(summary["results"][0]["error"].get<std::string>(), Contains("127.0.0.1"));
  CHECK(summary["results"][1]["status"] == "ok");
  CHECK(summary["variants"][0]["status"] == "failed");
  CHECK(summary["variants"][1]["status"] == "ok");
}

TEST_CASE("a signal between two runs stops the suite and summary.json still says what ran") {
  // A Pushgateway that takes the connection and never answers: the suite is between its two runs,
  // pushing the first report, when the signal comes. Without a handler of its own for the whole
  // suite, the signal would kill the process there and leave no summary.
  const int gateway = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(gateway >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  REQUIRE(::bind(gateway, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(gateway, 4) == 0);
  REQUIRE(::getsockname(gateway, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string gateway_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  ScratchDir scratch;
  const std::string path = write_suite_file(
      scratch, "suite.yaml",
      "suite: s\nsettings: {max_requests: 8}\nscenarios: [short.yaml]\n"
      "variants:\n  - {name: first, target: sim}\n  - {name: second, target: sim}\n");
  ChildProcess suite(llmpace_binary(), {"suite", "run", path, "--output-dir", scratch.file("out"),
                                        "--quiet", "--push-gateway", gateway_url});
  pollfd waiting{gateway, POLLIN, 0};
  REQUIRE(::poll(&waiting, 1, 120'000) == 1);  // the first run is over and its push connected
  const int push_connection = ::accept(gateway, nullptr, nullptr);
  REQUIRE(push_connection >= 0);
  suite.send_signal(SIGINT);
  ::close(push_connection);  // the push fails at once instead of waiting for its timeout
  const auto exit_code = suite.wait_for_exit(std::chrono::seconds(60));
  ::close(gateway);
  INFO("stderr: " << suite.stderr_text());
  CHECK(exit_code == 130);
  const auto summary = read_json_file(scratch.file("out") + "/s/latest/summary.json");
  CHECK(summary["interrupted"] == true);
  CHECK(summary["exit_code"] == 130);
  REQUIRE(summary["results"].size() == 2);
  CHECK(summary["results"][0]["status"] == "ok");
  CHECK(summary["results"][1]["status"] == "not_run");
  CHECK(fs::file_size(scratch.file("out") + "/s/latest/first/short.json") > 0);
  CHECK_FALSE(fs::exists(scratch.file("out") + "/s/latest/second/short.json"));
}

TEST_CASE("suite mistakes are one line and exit 2 before any load, --dry-run sends nothing") {
  ScratchDir scratch;
  const std::string bad_scenario =
      write_suite_file(scratch, "bad.yaml",
                       "suite: s\nscenarios: [short.yaml, missing.yaml]\n"
                       "variants: [{name: a, target: sim}]\n");
  RunResult result = suite_run({bad_scenario, "--output-dir", scratch.file("out")});
  CHECK(result.exit_code == 2);
  REQUIRE(non_empty_lines(result.stderr_text).size() == 1);
  CHECK_THAT(result.stderr_text, Contains("bad.yaml:2: scenario missing: ") &&
                                     Contains("cannot read the scenario file"));
  CHECK_FALSE(fs::exists(scratch.file("out")));

  // A bad setting in a variant is found when the plans are resolved, before the first run.
  const std::string bad_rate = scratch.file("bad-rate.yaml");
  write_file(bad_rate,
             "suite: s\nsettings: {max_requests: 4}\nscenarios: [short.yaml]\n"
             "variants:\n  - {name: a, target: sim}\n  - {name: b, target: sim, "
             "rate: -1}\n");
  result = suite_run({bad_rate, "--output-dir", scratch.file("out")});
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.stderr_text,
             Contains("llmpace: error: b/short: ") && Contains("bad-rate.yaml:6: rate:"));
  CHECK_FALSE(fs::exists(scratch.file("out")));

  // A dry run prints every run and writes nothing.
  result =
      suite_run({kSuiteData + "/two-sims.yaml", "--output-dir", scratch.file("out"), "--dry-run"});
  CHECK(result.exit_code == 0);
  CHECK_THAT(result.stdout_text,
             Contains("bf16/short") && Contains("int4/short") && Contains("nothing sent"));
  CHECK_FALSE(fs::exists(scratch.file("out")));
}
