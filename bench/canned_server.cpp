// canned_server: an OpenAI chat-completions server that answers every streaming request with the
// same pre-rendered response, as fast as the kernel lets it, so that what a benchmark of a client
// measures is the client (issue 16).
//
// At start it renders the response, as vLLM streams it: HTTP/1.1 200, text/event-stream,
// Transfer-Encoding chunked, keep-alive; the SSE events are a role chunk, exactly --tokens content
// chunks (the last with finish_reason "length"), a usage chunk (prompt_tokens --prompt-tokens,
// completion_tokens --tokens, total_tokens their sum) and `data: [DONE]`. With --framing per-event
// (the default, what vLLM does) every SSE event is one HTTP chunk; with --framing one-chunk the
// whole body is one. As vLLM's, a response's chunks share an id that the next response on the
// connection does not have (kStreamIds renderings, taken in turn), so that a client cannot reuse
// what it learned of one response for the next (llmpace's chunk template). Every complete request
// read on a connection is answered with those bytes, whatever its body says (max_tokens is not
// read):
//
//   POST .../chat/completions   the canned stream
//   GET /v1/models              {"object":"list","data":[{"id": --model ...}]} (model discovery)
//   GET /health                 200, empty
//   anything else               404 {"detail":"Not Found"} (as FastAPI answers), so that llmpace's
//                               POST /tokenize probe and GET /metrics scrape give up at once
//
// Requests are parsed only as far as needed: the end of the head, Content-Length, `Connection:
// close` and HTTP/1.0; pipelined requests are answered in order. A chunked request body is refused
// (400, then close). Responses are never copied: a connection queues views of the pre-rendered
// strings and writes them with one sendmsg; what the socket does not take waits for EPOLLOUT.
// No timers: an idle connection stays open until the client closes it.
//
// Usage:
//   canned_server --port 0 --tokens 64           prints "listening on 127.0.0.1:N" (flushed)
//   --framing per-event|one-chunk   --threads T  (T epoll loops, each its own SO_REUSEPORT socket)
//   --model NAME (canned)   --prompt-tokens P (16, only reported in usage)
// SIGINT or SIGTERM stops it and prints the responses served to stderr.
//
// Thread affinity: each loop thread owns its listening socket, its epoll set and its connections;
// the only shared state is the pre-rendered responses (immutable once the threads start) and
// relaxed atomic counters. Lifetime: everything lives until the process exits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// ---- the pre-rendered responses -------------------------------------------------------------

struct Settings {
  int port = 8000;
  std::int64_t tokens = 64;
  std::int64_t prompt_tokens = 16;
  std::string framing = "per-event";
  std::string model = "canned";
  int threads = 1;
};

/// Renderings of the stream, each with its own chunk id.
constexpr std::size_t kStreamIds = 4;

struct Responses {
  std::array<std::string, kStreamIds> streams;  // the chat-completions stream, head and body
  std::string models;                           // GET /v1/models
  std::string health;                           // GET /health
  std::string not_found;                        // anything else
  std::string bad_request;  // unparsable request; the connection closes after it
};

std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

std::string with_length(std::string_view status_line, std::string_view content_type,
                        std::string_view body) {
  std::string out(status_line);
  out += "\r\nserver: canned\r\ncontent-type: ";
  out += content_type;
  out += "\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  char size_hex[32];
  std::snprintf(size_hex, sizeof size_hex, "%zx\r\n", data.size());
  out += size_hex;
  out += data;
  out += "\r\n";
}

/// The SSE events of the stream, as vLLM writes them for a chat completion with max_tokens =
/// tokens and ignore_eos, usage included.
std::vector<std::string> sse_events(const Settings& settings, std::size_t id) {
  const std::string prefix = R"(data: {"id":"chatcmpl-canned000000000000000000000000)" +
                             std::to_string(id) +
                             R"(","object":"chat.completion.chunk",)"
                             R"("created":1735689600,"model":")" +
                             json_escaped(settings.model) + R"(","choices":[)";
  std::vector<std::string> events;
  events.push_back(prefix +
                   R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,)"
                   R"("finish_reason":null}]})"
                   "\n\n");
  static constexpr std::array<std::string_view, 8> kWords{" lorem", " ipsum", " dolor", " sit",
                                                          " amet",  " sed",   " do",    " et"};
  for (std::int64_t i = 0; i < settings.tokens; ++i) {
    const bool last = i + 1 == settings.tokens;
    events.push_back(prefix + R"({"index":0,"delta":{"content":")" +
                     std::string(kWords[static_cast<std::size_t>(i) % kWords.size()]) +
                     R"("},"logprobs":null,"finish_reason":)" +
                     (last ? R"("length","stop_reason":null)" : "null") + "}]}\n\n");
  }
  events.push_back(prefix + R"(],"usage":{"prompt_tokens":)" +
                   std::to_string(settings.prompt_tokens) + R"(,"total_tokens":)" +
                   std::to_string(settings.prompt_tokens + settings.tokens) +
                   R"(,"completion_tokens":)" + std::to_string(settings.tokens) + "}}\n\n");
  events.push_back("data: [DONE]\n\n");
  return events;
}

Responses render(const Settings& settings) {
  Responses responses;
  for (std::size_t id = 0; id < kStreamIds; ++id) {
    std::string& stream = responses.streams[id];
    stream =
        "HTTP/1.1 200 OK\r\nserver: canned\r\n"
        "content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n";
    const std::vector<std::string> events = sse_events(settings, id);
    if (settings.framing == "per-event") {
      for (const std::string& event : events) append_chunk(stream, event);
    } else {
      std::string body;
      for (const std::string& event : events) body += event;
      append_chunk(stream, body);
    }
    stream += "0\r\n\r\n";
  }
  const std::string model = json_escaped(settings.model);
  responses.models = with_length("HTTP/1.1 200 OK", "application/json",
                                 R"({"object":"list","data":[{"id":")" + model +
                                     R"(","object":"model","created":1735689600,)"
                                     R"("owned_by":"canned","root":")" +
                                     model + R"(","parent":null,"max_model_len":131072}]})");
  responses.health = with_length("HTTP/1.1 200 OK", "application/json", "");
  responses.not_found =
      with_length("HTTP/1.1 404 Not Found", "application/json", R"({"detail":"Not Found"})");
  responses.bad_request =
      with_length("HTTP/1.1 400 Bad Request", "application/json", R"({"detail":"Bad Request"})");
  return responses;
}

// ---- request parsing --------------------------------------------------------------------------

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

struct ParsedRequest {
  enum class Status { incomplete, complete, bad } status = Status::incomplete;
  std::size_t bytes = 0;                  // head and body, when complete
  const std::string* response = nullptr;  // null for the stream (Responses::streams, in turn)
  bool close_after = false;
};

constexpr std::size_t kMaxHeadBytes = 64 * 1024;

/// Looks at the start of `input` for one request.
ParsedRequest parse_request(std::string_view input, const Responses& responses) {
  ParsedRequest parsed;
  const std::size_t head_end = input.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (input.size() > kMaxHeadBytes) parsed.status = ParsedRequest::Status::bad;
    return parsed;
  }
  const std::string_view head = input.substr(0, head_end);
  std::size_t line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const std::size_t method_end = request_line.find(' ');
  const std::size_t target_end = request_line.rfind(' ');
  if (method_end == std::string_view::npos || target_end <= method_end) {
    parsed.status = ParsedRequest::Status::bad;
    return parsed;
  }
  const std::string_view method = request_line.substr(0, method_end);
  std::string_view target = request_line.substr(method_end + 1, target_end - method_end - 1);
  target = target.substr(0, target.find('?'));
  const std::string_view version = request_line.substr(target_end + 1);
  parsed.close_after = version == "HTTP/1.0";

  std::size_t content_length = 0;
  while (line_end != std::string_view::npos && line_end < head.size()) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      content_length = 0;
      for (const char c : value) {
        if (c < '0' || c > '9' || content_length > (std::size_t{1} << 40)) {
          parsed.status = ParsedRequest::Status::bad;
          return parsed;
        }
        content_length = content_length * 10 + static_cast<std::size_t>(c - '0');
      }
    } else if (iequals(name, "transfer-encoding")) {
      parsed.status = ParsedRequest::Status::bad;  // no chunked request bodies here
      return parsed;
    } else if (iequals(name, "connection")) {
      if (iequals(value, "close")) parsed.close_after = true;
      if (iequals(value, "keep-alive")) parsed.close_after = false;
    }
  }
  const std::size_t total = head_end + 4 + content_length;
  if (input.size() < total) return parsed;  // the body is still coming
  parsed.status = ParsedRequest::Status::complete;
  parsed.bytes = total;
  const auto ends_with = [](std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
  };
  if (method == "POST" && ends_with(target, "/chat/completions")) {
    parsed.response = nullptr;
  } else if (method == "GET" && target == "/v1/models") {
    parsed.response = &responses.models;
  } else if (method == "GET" && target == "/health") {
    parsed.response = &responses.health;
  } else {
    parsed.response = &responses.not_found;
  }
  return parsed;
}

// ---- the event loop ---------------------------------------------------------------------------

struct Connection {
  int fd = -1;
  std::string partial;                 // the start of a request not complete yet
  std::deque<std::string_view> queue;  // responses not written yet, views of Responses
  std::size_t front_written = 0;       // bytes of queue.front() already written
  std::size_t streams_answered = 0;    // picks the next response's rendering
  bool close_when_written = false;
  bool want_write = false;  // EPOLLOUT is in the interest set
};

struct Counters {
  std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> connections{0};
};

class Loop {
 public:
  Loop(int listen_fd, const Responses& responses, Counters& counters)
      : listen_fd_(listen_fd), responses_(responses), counters_(counters) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) fail("epoll_create1");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event) != 0) fail("epoll_ctl");
  }

  [[noreturn]] void run() {
    std::array<epoll_event, 256> events;
    for (;;) {
      const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
      if (ready < 0) {
        if (errno == EINTR) continue;
        fail("epoll_wait");
      }
      for (int i = 0; i < ready; ++i) {
        auto* connection = static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
        if (connection == nullptr) {
          accept_all();
          continue;
        }
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        bool open = true;
        if (what & EPOLLOUT) open = flush(*connection);
        if (open && (what & (EPOLLIN | EPOLLHUP | EPOLLERR))) open = read_and_answer(*connection);
        if (!open) close_connection(connection);
      }
    }
  }

 private:
  void accept_all() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          std::perror("canned_server: accept4");
          return;
        }
        fail("accept4");
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* connection = new Connection;
      connection->fd = fd;
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.ptr = connection;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) fail("epoll_ctl");
      counters_.connections.fetch_add(1, std::memory_order_relaxed);
    }
  }

  /// Reads what is there, queues a response per complete request, writes. False: close it.
  bool read_and_answer(Connection& connection) {
    for (;;) {
      const ssize_t got = recv(connection.fd, read_buffer_.data(), read_buffer_.size(), 0);
      if (got == 0) return false;  // the client closed (what it sent before was answered)
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        return false;  // ECONNRESET and the like
      }
      std::string_view input(read_buffer_.data(), static_cast<std::size_t>(got));
      if (!connection.partial.empty()) {
        connection.partial.append(input);
        input = connection.partial;
      }
      std::size_t consumed = 0;
      bool queued = false;
      while (!connection.close_when_written) {
        const ParsedRequest parsed = parse_request(input.substr(consumed), responses_);
        if (parsed.status == ParsedRequest::Status::incomplete) break;
        if (parsed.status == ParsedRequest::Status::bad) {
          connection.queue.emplace_back(responses_.bad_request);
          connection.close_when_written = true;
          queued = true;
          break;
        }
        connection.queue.emplace_back(
            parsed.response != nullptr
                ? *parsed.response
                : responses_.streams[connection.streams_answered++ % kStreamIds]);
        connection.close_when_written = parsed.close_after;
        consumed += parsed.bytes;
        queued = true;
        counters_.responses.fetch_add(1, std::memory_order_relaxed);
      }
      if (connection.close_when_written) {
        connection.partial.clear();  // nothing after the last answered request is read
      } else if (connection.partial.empty()) {
        connection.partial.assign(input.substr(consumed));
      } else {
        connection.partial.erase(0, consumed);
      }
      if (queued && !flush(connection)) return false;
      if (connection.close_when_written) return true;                        // closes once flushed
      if (static_cast<std::size_t>(got) < read_buffer_.size()) return true;  // level-triggered
    }
  }

  /// Writes the queued responses. False: close it (written what it must, or the socket failed).
  bool flush(Connection& connection) {
    while (!connection.queue.empty()) {
      std::array<iovec, 64> pieces;
      std::size_t count = 0;
      for (const std::string_view piece : connection.queue) {
        if (count == pieces.size()) break;
        const std::size_t skip = count == 0 ? connection.front_written : 0;
        pieces[count].iov_base = const_cast<char*>(piece.data() + skip);
        pieces[count].iov_len = piece.size() - skip;
        ++count;
      }
      msghdr message{};
      message.msg_iov = pieces.data();
      message.msg_iovlen = count;
      const ssize_t sent = sendmsg(connection.fd, &message, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return want_write(connection, true);
        return false;
      }
      std::size_t left = static_cast<std::size_t>(sent);
      while (left > 0) {
        const std::size_t rest = connection.queue.front().size() - connection.front_written;
        if (left < rest) {
          connection.front_written += left;
          break;
        }
        left -= rest;
        connection.queue.pop_front();
        connection.front_written = 0;
      }
    }
    if (connection.close_when_written) return false;
    return want_write(connection, false);
  }

  bool want_write(Connection& connection, bool wanted) {
    if (connection.want_write == wanted) return true;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | (wanted ? EPOLLOUT : 0u);
    event.data.ptr = &connection;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event) != 0) return false;
    connection.want_write = wanted;
    return true;
  }

  void close_connection(Connection* connection) {
    close(connection->fd);  // also leaves the epoll set
    delete connection;
  }

  int listen_fd_;
  int epoll_fd_ = -1;
  const Responses& responses_;
  Counters& counters_;
  std::array<char, 64 * 1024> read_buffer_{};
};

int listen_socket(int port, bool reuse_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    fail("SO_REUSEPORT");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
  if (listen(fd, 4096) != 0) fail("listen");
  return fd;
}

int bound_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
  return ntohs(address.sin_port);
}

void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App cli{"A canned OpenAI chat-completions SSE server for measuring clients (bench/)"};
  cli.add_option("--port", settings.port, "Port on 127.0.0.1; 0 picks a free one")
      ->check(CLI::Range(0, 65535));
  cli.add_option("--tokens", settings.tokens, "Content chunks per stream")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  cli.add_option("--prompt-tokens", settings.prompt_tokens, "prompt_tokens in the usage chunk")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--framing", settings.framing,
                 "per-event: one HTTP chunk per SSE event (vLLM); "
                 "one-chunk: the whole body in one")
      ->check(CLI::IsMember({"per-event", "one-chunk"}));
  cli.add_option("--model", settings.model, "The model /v1/models lists and the chunks name");
  cli.add_option("--threads", settings.threads, "Event loops (SO_REUSEPORT sockets)")
      ->check(CLI::Range(1, 256));
  CLI11_PARSE(cli, argc, argv);

  try {
    raise_open_file_limit();
    const Responses responses = render(settings);
    // SIGINT/SIGTERM are taken by the main thread only: block them before any loop thread starts.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    const bool reuse_port = settings.threads > 1;
    std::vector<int> listen_fds{listen_socket(settings.port, reuse_port)};
    const int port = bound_port(listen_fds.front());
    for (int i = 1; i < settings.threads; ++i) listen_fds.push_back(listen_socket(port, true));

    Counters counters;
    std::vector<std::unique_ptr<Loop>> loops;
    for (const int fd : listen_fds)
      loops.push_back(std::make_unique<Loop>(fd, responses, counters));
    std::vector<std::thread> threads;
    for (auto& loop : loops) threads.emplace_back([&loop] { loop->run(); });

    std::printf("listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);
    std::fprintf(
        stderr, "canned_server: %lld tokens per stream, %zu bytes per response (%s), %d thread%s\n",
        static_cast<long long>(settings.tokens), responses.streams[0].size(),
        settings.framing.c_str(), settings.threads, settings.threads == 1 ? "" : "s");

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::fprintf(stderr, "canned_server: %llu responses on %llu connections\n",
                 static_cast<unsigned long long>(counters.responses.load()),
                 static_cast<unsigned long long>(counters.connections.load()));
    std::fflush(stderr);
    std::_Exit(0);  // the loop threads never return
  } catch (const std::exception& error) {
    std::fprintf(stderr, "canned_server: %s\n", error.what());
    return 1;
  }
}
