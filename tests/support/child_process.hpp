// ChildProcess: runs a program for an integration test, with its stdout and stderr captured
// through pipes, so a test can wait for a line the program prints (an event, not a sleep) and
// for its exit. Every wait has a deadline; the destructor kills a child that is still running.
//
// Thread affinity: one thread. Linux/POSIX only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmpace::test {

class ChildProcess {
 public:
  /// Starts `program` with `arguments` (argv[1..]). Throws std::runtime_error if it cannot start.
  ChildProcess(const std::string& program, const std::vector<std::string>& arguments,
               const std::vector<std::string>& extra_environment = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Reads stdout until a full line containing `needle` arrives; returns that line, or nullopt
  /// at end of output or when `timeout` passes.
  std::optional<std::string> wait_for_stdout_line(const std::string& needle,
                                                  std::chrono::milliseconds timeout);
  /// The same for stderr.
  std::optional<std::string> wait_for_stderr_line(const std::string& needle,
                                                  std::chrono::milliseconds timeout);

  /// Waits for the exit (draining output meanwhile); returns the exit code, 128+signal when
  /// killed by a signal, or nullopt on timeout.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  void send_signal(int signal_number);
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// Everything read so far.
  [[nodiscard]] const std::string& stdout_text() const { return stdout_.text; }
  [[nodiscard]] const std::string& stderr_text() const { return stderr_.text; }

 private:
  struct Pipe {
    int fd = -1;
    std::string text;
    std::size_t scanned = 0;  // lines before this offset were already checked
  };
  std::optional<std::string> wait_for_line(Pipe& pipe, const std::string& needle,
                                           std::chrono::milliseconds timeout);
  /// Reads whatever is available on both pipes, waiting up to `timeout` for something.
  /// Returns false when both pipes are at end of file.
  bool pump(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  Pipe stdout_;
  Pipe stderr_;
};

/// Runs a program to completion and returns its exit code; output is kept in `child`.
struct RunResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};
RunResult run_to_exit(const std::string& program, const std::vector<std::string>& arguments,
                      std::chrono::milliseconds timeout = std::chrono::seconds(120),
                      const std::vector<std::string>& extra_environment = {});

}  // namespace llmpace::test
