#include "capture_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace llmpace::test {

namespace {

constexpr int kPollMs = 20;  // how often a blocked thread looks at the stop flag

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::string response(const std::string& status, const std::string& content_type,
                     const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string sse_stream(bool chat) {
  const auto chunk = [chat](const std::string& text, const std::string& finish) {
    const std::string choice =
        chat ? R"("delta":{"content":")" + text + R"("})" : R"("text":")" + text + R"(")";
    return R"(data: {"id":"capture-1","object":")" +
           std::string(chat ? "chat.completion.chunk" : "text_completion") +
           R"(","model":"capture-model","choices":[{"index":0,)" + choice + R"(,"finish_reason":)" +
           finish + "}]}\n\n";
  };
  std::string stream;
  if (chat) {
    stream += R"(data: {"id":"capture-1","object":"chat.completion.chunk","model":"capture-model",)"
              R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
              R"("finish_reason":null}]}

)";
  }
  stream += chunk(" hello", "null") + chunk(" world", R"("length")");
  stream += R"(data: {"id":"capture-1","model":"capture-model","choices":[],)"
            R"("usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}

data: [DONE]

)";
  return stream;
}

std::string answer(const CapturedRequest& request) {
  if (request.method == "GET" && request.target == "/v1/models") {
    return response("200 OK", "application/json",
                    R"({"object":"list","data":[{"id":"capture-model","object":"model",)"
                    R"("owned_by":"test"}]})");
  }
  if (request.method == "POST" && request.target == "/v1/chat/completions") {
    return response("200 OK", "text/event-stream", sse_stream(/*chat=*/true));
  }
  if (request.method == "POST" && request.target == "/v1/completions") {
    return response("200 OK", "text/event-stream", sse_stream(/*chat=*/false));
  }
  return response("404 Not Found", "application/json", R"({"detail":"Not Found"})");
}

/// Parses a request head ("METHOD TARGET HTTP/1.1\r\nName: value\r\n...") into `request`;
/// returns the Content-Length (0 when absent).
std::size_t parse_head(const std::string& head, CapturedRequest& request) {
  std::size_t at = head.find("\r\n");
  const std::string request_line = head.substr(0, at);
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  request.method = request_line.substr(0, first_space);
  request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
  std::size_t content_length = 0;
  while (at != std::string::npos && at + 2 < head.size()) {
    const std::size_t next = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, next == std::string::npos ? next : next - at - 2);
    at = next;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    if (name == "content-length") content_length = std::stoul(value);
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  return content_length;
}

}  // namespace

std::optional<std::string> CapturedRequest::header(const std::string& name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

CaptureServer::CaptureServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("CaptureServer: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("CaptureServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

CaptureServer::~CaptureServer() { stop(); }

std::string CaptureServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<CapturedRequest> CaptureServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void CaptureServer::accept_loop() {
  while (!stopping_) {
    pollfd listening{listen_fd_, POLLIN, 0};
    if (::poll(&listening, 1, kPollMs) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    const std::lock_guard lock(mutex_);
    connection_threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void CaptureServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  acceptor_.join();
  // A connection the client made before the stop may still sit in the backlog: count it too.
  ::fcntl(listen_fd_, F_SETFL, O_NONBLOCK);
  for (int fd; (fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) {
    ++connections_;
    ::close(fd);
  }
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    const std::lock_guard lock(mutex_);
    threads.swap(connection_threads_);
  }
  for (auto& thread : threads) thread.join();
}

void CaptureServer::serve(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string buffer;
  char chunk[16384];
  // Reads more bytes into `buffer`; false at the end of the connection or on stop.
  const auto read_more = [&]() {
    while (!stopping_) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, kPollMs) <= 0) continue;
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(got));
      return true;
    }
    return false;
  };
  for (;;) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    CapturedRequest request;
    const std::size_t body_length = parse_head(buffer.substr(0, head_end), request);
    buffer.erase(0, head_end + 4);
    while (buffer.size() < body_length) {
      if (!read_more()) {
        ::close(fd);
        return;
      }
    }
    request.body = buffer.substr(0, body_length);
    buffer.erase(0, body_length);
    const std::string reply = answer(request);
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
    }
    for (std::size_t sent = 0; sent < reply.size();) {
      const ssize_t wrote = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
      if (wrote <= 0) {
        ::close(fd);
        return;
      }
      sent += static_cast<std::size_t>(wrote);
    }
  }
}

}  // namespace llmpace::test
