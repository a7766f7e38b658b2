// Shared by the benchmark programs in bench/: the simulator in a forked child process (so that its
// CPU time is measured apart from the client's), and the CPU-time readings around a run.
//
// Thread affinity: SimChild must be constructed while the process has no other thread (fork).
// Lifetime: a SimChild stops (SIGTERM) and reaps its child when destroyed; the child also dies
// with its parent (PR_SET_PDEATHSIG).
#pragma once

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_server.hpp"

namespace llmpace::bench {

/// Serves `options` until SIGTERM or SIGINT, after writing the bound port (std::uint16_t) to
/// `port_pipe`. Never returns; for the forked child only. `program` prefixes an error message.
[[noreturn]] inline void serve_sim_child(const sim::SimOptions& options, int port_pipe,
                                         const char* program) {
  try {
    sim::SimServer server{options};
    sim::serve_until_signal(server, [&server, port_pipe] {
      const std::uint16_t port = server.port();
      if (write(port_pipe, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) _exit(1);
      close(port_pipe);
    });
    _exit(0);
  } catch (const std::exception& error) {
    fmt::print(stderr, "{}: simulator: {}\n", program, error.what());
    _exit(1);
  }
}

/// A server in a forked child: started by the constructor, stopped with SIGTERM and reaped by the
/// destructor.
class SimChild {
 public:
  /// `serve(port_pipe)` runs in the child: it writes the port (std::uint16_t) to the pipe once
  /// listening, then serves until SIGTERM and never returns.
  explicit SimChild(const std::function<void(int)>& serve) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      throw std::runtime_error("fork() failed");
    }
    if (pid_ == 0) {
      close(fds[0]);
      prctl(PR_SET_PDEATHSIG, SIGKILL);   // never outlive the benchmark
      if (getppid() != parent) _exit(1);  // it died before prctl took effect
      serve(fds[1]);
      _exit(1);
    }
    close(fds[1]);
    std::uint16_t port = 0;
    ssize_t got = 0;
    do {
      got = read(fds[0], &port, sizeof port);
    } while (got < 0 && errno == EINTR);
    close(fds[0]);
    if (got != static_cast<ssize_t>(sizeof port)) {
      reap();
      throw std::runtime_error("the simulator did not start");
    }
    port_ = port;
  }
  ~SimChild() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      reap();
    }
  }
  SimChild(const SimChild&) = delete;
  SimChild& operator=(const SimChild&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  void reap() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

/// User + system CPU seconds of this process.
inline double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// utime + stime from a /proc/.../stat file (clock-tick resolution); 0 on failure.
inline double stat_cpu_seconds(const std::string& path) {
  std::ifstream file(path);
  const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(name_end + 1));
  // Fields after the name start at 3 (state); utime and stime are fields 14 and 15.
  std::string field;
  for (int i = 3; i < 14 && fields >> field; ++i) {
  }
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// CPU seconds of another process, all its threads.
inline double process_cpu_seconds(pid_t pid) {
  return stat_cpu_seconds(fmt::format("/proc/{}/stat", pid));
}

/// Busy CPU seconds of the whole machine, all cores, from /proc/stat (everything but idle and
/// iowait; steal included, since it is time this machine did not get).
inline double machine_busy_cpu_seconds() {
  std::ifstream file("/proc/stat");
  std::string label;
  file >> label;  // "cpu": the sum over all cores
  double total = 0;
  double idle = 0;
  double value = 0;
  for (int field = 0; field < 8 && file >> value; ++field) {
    total += value;
    if (field == 3 || field == 4) idle += value;  // idle, iowait
  }
  return (total - idle) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// The "model name" of /proc/cpuinfo.
inline std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown CPU";
}

}  // namespace llmpace::bench
