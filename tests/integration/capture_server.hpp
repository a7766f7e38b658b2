// CaptureServer: a small HTTP/1.1 server on 127.0.0.1 for integration tests that must see what
// llmpace actually sends (headers, bodies) or that it sent nothing at all. It records every
// request it reads, then answers like a minimal OpenAI-compatible server:
//   GET /v1/models            -> one model, kCaptureModel
//   POST /v1/chat/completions -> a short SSE stream: role chunk, two tokens, usage, [DONE]
//   POST /v1/completions      -> the same with `text` chunks
//   anything else             -> 404 {"detail":"Not Found"} (so `--tokenizer auto` falls back)
// Connections are kept alive until the client closes them.
//
// Thread affinity: the server runs on its own threads (one acceptor, one per connection); the
// public functions may be called from the test's thread at any time. Lifetime: stop() (also run
// by the destructor) closes the listener, accepts and counts whatever connection was still queued,
// and joins every thread; after it, requests() and connections() are final.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace llmpace::test {

inline constexpr const char* kCaptureModel = "capture-model";

struct CapturedRequest {
  std::string method;                                        // "POST"
  std::string target;                                        // "/v1/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;

  /// The value of the first header named `name` (any case), or nullopt.
  [[nodiscard]] std::optional<std::string> header(const std::string& name) const;
};

class CaptureServer {
 public:
  /// Listens on an ephemeral port of 127.0.0.1. Throws std::runtime_error if it cannot.
  CaptureServer();
  ~CaptureServer();
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;

  /// "http://127.0.0.1:PORT"
  [[nodiscard]] std::string url() const;
  /// Stops accepting, counts the connections still queued, ends and joins every connection.
  void stop();
  /// Every request read so far, in the order they were read.
  [[nodiscard]] std::vector<CapturedRequest> requests() const;
  /// Connections accepted so far (exact once stop() has returned).
  [[nodiscard]] std::size_t connections() const { return connections_; }

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;  // guards requests_ and connection_threads_
  std::vector<CapturedRequest> requests_;
  std::vector<std::thread> connection_threads_;
  std::thread acceptor_;
  bool stopped_ = false;
};

}  // namespace llmpace::test
