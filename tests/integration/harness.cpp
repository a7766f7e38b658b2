#include "harness.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace llmpace::test {

ScratchDir::ScratchDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("llmpace-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

SimProcess start_sim_process(const std::vector<std::string>& arguments) {
  std::vector<std::string> all{"sim", "--host", "127.0.0.1", "--port", "0"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  SimProcess sim;
  sim.process = std::make_unique<ChildProcess>(llmpace_binary(), all);
  const auto line = sim.process->wait_for_stdout_line("listening on", std::chrono::seconds(30));
  if (!line) {
    throw std::runtime_error("llmpace sim did not start: " + sim.process->stderr_text());
  }
  sim.url = line->substr(line->find("http"));
  return sim;
}

std::uint16_t unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(file);
}

nlohmann::json run_benchmark_report(const ScratchDir& scratch, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "benchmark");
  arguments.insert(arguments.end(), {"--output", scratch.file("r.json")});
  const auto result = run_to_exit(llmpace_binary(), arguments);
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  return read_json_file(scratch.file("r.json"));
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace llmpace::test
