#include "metrics_stub.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace llmpace::test {

MetricsStub::MetricsStub(Mode mode, int status, std::string body, std::string content_type)
    : mode_(mode), status_(status), body_(std::move(body)), content_type_(std::move(content_type)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("MetricsStub: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

MetricsStub::~MetricsStub() { stop(); }

std::string MetricsStub::url() const { return fmt::format("http://127.0.0.1:{}/metrics", port_); }

std::vector<std::string> MetricsStub::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void MetricsStub::accept_loop() {
  for (;;) {
    pollfd ready{listen_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 50) < 0 || stopping_) return;  // the 50 ms only bounds stop()'s wait
    if ((ready.revents & POLLIN) == 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    const std::lock_guard lock(mutex_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void MetricsStub::serve(int fd) {
  std::string pending;
  char buffer[4096];
  for (;;) {
    const auto head_end = pending.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      {
        const std::lock_guard lock(mutex_);
        requests_.push_back(pending.substr(0, head_end));
      }
      pending.erase(0, head_end + 4);
      if (mode_ == Mode::answer) {
        const std::string response =
            fmt::format("HTTP/1.1 {} Stub\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}",
                        status_, content_type_, body_.size(), body_);
        if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) return;
      }
      continue;  // hang: read on, answer nothing
    }
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return;  // closed by the client, or by stop()
    pending.append(buffer, static_cast<std::size_t>(got));
  }
}

void MetricsStub::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    const std::lock_guard lock(mutex_);
    for (const int fd : fds_) ::shutdown(fd, SHUT_RDWR);  // ends every blocked recv()
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  const std::lock_guard lock(mutex_);
  for (const int fd : fds_) ::close(fd);
}

}  // namespace llmpace::test
