#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace llmpace::test {
namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& arguments,
                           const std::vector<std::string>& extra_environment) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<std::string> argument_storage{program};
  argument_storage.insert(argument_storage.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : argument_storage) argv.push_back(argument.data());
  argv.push_back(nullptr);

  std::vector<std::string> environment_storage;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    environment_storage.emplace_back(*variable);
  }
  environment_storage.insert(environment_storage.end(), extra_environment.begin(),
                             extra_environment.end());
  std::vector<char*> envp;
  for (auto& variable : environment_storage) envp.push_back(variable.data());
  envp.push_back(nullptr);

  const int status =
      ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  stdout_.fd = out_pipe[0];
  stderr_.fd = err_pipe[0];
  if (status != 0) {
    close_fd(stdout_.fd);
    close_fd(stderr_.fd);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(status));
  }
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  close_fd(stdout_.fd);
  close_fd(stderr_.fd);
}

bool ChildProcess::pump(std::chrono::milliseconds timeout) {
  std::array<pollfd, 2> fds{pollfd{stdout_.fd, POLLIN, 0}, pollfd{stderr_.fd, POLLIN, 0}};
  std::array<Pipe*, 2> pipes{&stdout_, &stderr_};
  if (stdout_.fd < 0 && stderr_.fd < 0) return false;
  const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  if (ready <= 0) return true;
  for (std::size_t index = 0; index < fds.size(); ++index) {
    if (fds[index].fd < 0 || fds[index].revents == 0) continue;
    char buffer[4096];
    const ssize_t bytes = ::read(fds[index].fd, buffer, sizeof buffer);
    if (bytes > 0) {
      pipes[index]->text.append(buffer, static_cast<std::size_t>(bytes));
    } else if (bytes == 0 || (bytes < 0 && errno != EINTR && errno != EAGAIN)) {
      close_fd(pipes[index]->fd);
    }
  }
  return stdout_.fd >= 0 || stderr_.fd >= 0;
}

std::optional<std::string> ChildProcess::wait_for_line(Pipe& pipe, const std::string& needle,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    // Check complete lines not yet scanned.
    std::size_t line_end;
    while ((line_end = pipe.text.find('\n', pipe.scanned)) != std::string::npos) {
      std::string line = pipe.text.substr(pipe.scanned, line_end - pipe.scanned);
      pipe.scanned = line_end + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!pump(left) && pipe.text.find('\n', pipe.scanned) == std::string::npos) {
      return std::nullopt;
    }
  }
}

std::optional<std::string> ChildProcess::wait_for_stdout_line(const std::string& needle,
                                                              std::chrono::milliseconds timeout) {
  return wait_for_line(stdout_, needle, timeout);
}

std::optional<std::string> ChildProcess::wait_for_stderr_line(const std::string& needle,
                                                              std::chrono::milliseconds timeout) {
  return wait_for_line(stderr_, needle, timeout);
}

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  // A pidfd becomes readable when the child exits: an event to wait on, with the output pipes.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) throw std::runtime_error("pidfd_open failed");
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::array<pollfd, 3> fds{pollfd{stdout_.fd, POLLIN, 0}, pollfd{stderr_.fd, POLLIN, 0},
                              pollfd{pidfd, POLLIN, 0}};
    ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (fds[0].revents != 0 || fds[1].revents != 0) pump(std::chrono::milliseconds(0));
  }
  ::close(pidfd);
  if (exit_code_) {
    while (pump(std::chrono::milliseconds(0)) && (stdout_.fd >= 0 || stderr_.fd >= 0)) {
      // Drain what the child wrote before exiting; pipes close once it is all read.
      std::array<pollfd, 2> fds{pollfd{stdout_.fd, POLLIN, 0}, pollfd{stderr_.fd, POLLIN, 0}};
      if (::poll(fds.data(), fds.size(), 1000) <= 0) break;
    }
  }
  return exit_code_;
}

void ChildProcess::send_signal(int signal_number) {
  if (!exit_code_) ::kill(pid_, signal_number);
}

RunResult run_to_exit(const std::string& program, const std::vector<std::string>& arguments,
                      std::chrono::milliseconds timeout,
                      const std::vector<std::string>& extra_environment) {
  ChildProcess child(program, arguments, extra_environment);
  const auto code = child.wait_for_exit(timeout);
  return {code.value_or(-1), child.stdout_text(), child.stderr_text()};
}

}  // namespace llmpace::test
