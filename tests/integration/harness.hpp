// Shared pieces of the integration tests: the llmpace binary, scratch directories, a simulator
// process on an ephemeral loopback port, and reading a JSON report.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace llmpace::test {

/// Path of the llmpace executable under test (set by CMake).
inline std::string llmpace_binary() { return LLMPACE_BINARY; }

/// A fresh directory under the system temp dir, removed with its content on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// `llmpace sim --port 0 ARGS...` as a child process, started and listening.
struct SimProcess {
  std::unique_ptr<ChildProcess> process;
  std::string url;  // "http://127.0.0.1:PORT" (or https)
};
SimProcess start_sim_process(const std::vector<std::string>& arguments);

/// A loopback port on which nothing listens (bound once, then released).
std::uint16_t unused_loopback_port();

nlohmann::json read_json_file(const std::string& path);

/// The JSON values of the non-empty lines of a JSON-lines file (a `.jsonl` request log).
std::vector<nlohmann::json> read_json_lines(const std::string& path);

/// Runs `llmpace benchmark ARGUMENTS --output <scratch>/r.json`, requires exit code 0 (the
/// failure shows stderr) and returns the JSON report.
nlohmann::json run_benchmark_report(const ScratchDir& scratch, std::vector<std::string> arguments);

/// GET `path` from `base_url` ("http://127.0.0.1:PORT") with a plain blocking HTTP/1.0
/// exchange; returns the body, throws std::runtime_error unless the status is 200.
std::string http_get(const std::string& base_url, const std::string& path);

/// The same for a POST of the JSON `body`.
std::string http_post(const std::string& base_url, const std::string& path,
                      const std::string& body);

/// Stops a simulator process with SIGTERM (so its trace is complete) and requires exit code 0.
void stop_sim_process(SimProcess& sim);

/// The value of the first sample of Prometheus text `metrics` whose line starts with `series`
/// (a metric name, optionally with its opening brace), or nullopt.
std::optional<double> prometheus_value(const std::string& metrics, const std::string& series);

/// Lines of `text` that are not empty.
std::vector<std::string> non_empty_lines(const std::string& text);

}  // namespace llmpace::test
