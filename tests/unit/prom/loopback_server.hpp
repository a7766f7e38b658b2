// LoopbackServer: a one-connection HTTP server on 127.0.0.1 for the push tests. It accepts one
// connection, reads one request (head and Content-Length body), keeps it, and answers with the
// given response, or with nothing at all until it is destroyed (a gateway that hangs).
//
// Thread affinity: its own thread serves; request() blocks until the request was read.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

namespace llmpace::test {

class LoopbackServer {
 public:
  /// `response`: the raw bytes to answer with; empty: never answer.
  explicit LoopbackServer(std::string response) : response_(std::move(response)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    ::shutdown(listener_, SHUT_RDWR);
    if (connection_ >= 0) ::shutdown(connection_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
    if (connection_ >= 0) ::close(connection_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// The request as read (head and body).
  std::string request() { return request_.get_future().get(); }

 private:
  void serve() {
    connection_ = ::accept(listener_, nullptr, nullptr);
    std::string text;
    if (connection_ >= 0) {
      char buffer[4096];
      while (true) {
        const auto head_end = text.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          const auto at = text.find("Content-Length: ");
          const std::size_t body = at == std::string::npos ? 0 : std::stoul(text.substr(at + 16));
          if (text.size() >= head_end + 4 + body) break;
        }
        const ssize_t got = ::read(connection_, buffer, sizeof(buffer));
        if (got <= 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
      }
    }
    request_.set_value(text);
    if (connection_ >= 0 && !response_.empty()) {
      (void)::write(connection_, response_.data(), response_.size());
      ::shutdown(connection_, SHUT_WR);
    }
  }

  std::string response_;
  int listener_ = -1;
  int connection_ = -1;
  std::uint16_t port_ = 0;
  std::promise<std::string> request_;
  std::thread thread_;
};

}  // namespace llmpace::test
