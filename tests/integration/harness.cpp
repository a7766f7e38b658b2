#include "harness.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
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

std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

nlohmann::json run_benchmark_report(const ScratchDir& scratch, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "benchmark");
  arguments.insert(arguments.end(), {"--output", scratch.file("r.json")});
  const auto result = run_to_exit(llmpace_binary(), arguments);
  INFO(result.stderr_text);
  REQUIRE(result.exit_code == 0);
  return read_json_file(scratch.file("r.json"));
}

namespace {

/// One plain blocking HTTP/1.0 exchange with `base_url`: sends `request`, returns the body of a
/// 200 answer, throws std::runtime_error otherwise.
std::string http_exchange(const std::string& base_url, const std::string& request) {
  const auto colon = base_url.rfind(':');
  const auto port = static_cast<std::uint16_t>(std::stoi(base_url.substr(colon + 1)));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to " + base_url);
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw std::runtime_error("cannot send to " + base_url);
  }
  std::string response;
  char buffer[16384];
  for (;;) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    response.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || response.substr(9, 3) != "200" ||
      body == std::string::npos) {
    throw std::runtime_error(request.substr(0, request.find("\r\n")) +
                             " failed: " + response.substr(0, 200));
  }
  return response.substr(body + 4);
}

}  // namespace

std::string http_get(const std::string& base_url, const std::string& path) {
  return http_exchange(base_url, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
}

std::string http_post(const std::string& base_url, const std::string& path,
                      const std::string& body) {
  return http_exchange(base_url, "POST " + path +
                                     " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: "
                                     "application/json\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
}

void stop_sim_process(SimProcess& sim) {
  sim.process->send_signal(SIGTERM);
  REQUIRE(sim.process->wait_for_exit(std::chrono::seconds(30)) == 0);
}

std::optional<double> prometheus_value(const std::string& metrics, const std::string& series) {
  std::istringstream stream(metrics);
  std::string line;
  while (std::getline(stream, line)) {
    if (line.rfind(series, 0) != 0) continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    return std::stod(line.substr(space + 1));
  }
  return std::nullopt;
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
