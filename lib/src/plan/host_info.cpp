#include "llmpace/plan/host_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <string>
#include <thread>

namespace llmpace::plan {
namespace {

/// The first "model name" of /proc/cpuinfo (x86), or nothing.
std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    const auto first = line.find_first_not_of(' ', colon + 1);
    return first == std::string::npos ? "" : line.substr(first);
  }
  return "";
}

}  // namespace

nlohmann::json host_info() {
  nlohmann::json host = nlohmann::json::object();
  std::array<char, 256> hostname{};
  if (gethostname(hostname.data(), hostname.size() - 1) == 0) host["hostname"] = hostname.data();
  utsname system{};
  if (uname(&system) == 0) {
    host["os"] = system.sysname;
    host["kernel"] = system.release;
    host["machine"] = system.machine;
  }
  if (const unsigned cpus = std::thread::hardware_concurrency(); cpus > 0) host["cpus"] = cpus;
  if (const std::string model = cpu_model(); !model.empty()) host["cpu_model"] = model;
  return host;
}

}  // namespace llmpace::plan
