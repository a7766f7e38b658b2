// MetricsStub: a metrics endpoint on 127.0.0.1 that misbehaves in one chosen way, for the tests of
// scraping: it answers every request with a fixed body (garbage or Prometheus text) and status,
// or never answers at all (reads the request, then holds the connection until stop()).
//
// Thread affinity: serves on its own threads; the public functions may be called from the test's
// thread at any time. Lifetime: stop() (also run by the destructor) closes the listener and every
// connection and joins every thread; after it, requests() is final.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmpace::test {

class MetricsStub {
 public:
  enum class Mode { answer, hang };

  /// Listens on an ephemeral port of 127.0.0.1. Throws std::runtime_error if it cannot.
  MetricsStub(Mode mode, int status = 200, std::string body = {},
              std::string content_type = "text/plain; version=0.0.4");
  ~MetricsStub();
  MetricsStub(const MetricsStub&) = delete;
  MetricsStub& operator=(const MetricsStub&) = delete;

  /// "http://127.0.0.1:PORT/metrics"
  [[nodiscard]] std::string url() const;
  /// Requests read so far (their heads).
  [[nodiscard]] std::vector<std::string> requests() const;
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  Mode mode_;
  int status_;
  std::string body_;
  std::string content_type_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // guards requests_, fds_ and threads_
  std::vector<std::string> requests_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
  bool stopped_ = false;
};

}  // namespace llmpace::test
