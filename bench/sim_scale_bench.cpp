// sim_scale_bench: how many concurrent streams one simulator process holds, and how many tokens
// per second it emits, on one io thread.
//
// The simulator (sim::SimServer with one io thread; with --preset also its InferenceDriver thread)
// runs in a child process forked before this process has any other thread; only 127.0.0.1 is used.
// This process is the client, a plain epoll loop over non-blocking sockets that counts the SSE
// events
// ("data:") in what it reads and parses nothing else, to leave the other core to the simulator.
// It sleeps --client-interval-ms (1 ms) between non-blocking polls rather than blocking in
// epoll_wait: on loopback the sender runs the receiver's TCP input, wake-up included, so a client
// asleep in epoll_wait would make the simulator pay for waking it on almost every token, a cost a
// remote client carries itself (--client-interval-ms 0 shows it).
//
// Ramp: --streams connections first (at most --max-pending connect() calls at a time, so the
// listen backlog never overflows), while the simulator is idle; then every connection sends one
// streaming POST /v1/completions (3-token prompt, ignore_eos, --max-tokens 100,000) and the ramp
// ends when every stream has had its first token. After --warmup-seconds the measured window of
// --seconds gives: tokens/s received; "offered", what the simulator should emit (streams / ITL,
// or with --preset the inference model's nominal rate, running requests / roofline step time); with
// the simple model the streams' lag behind schedule (tokens due - tokens received, times the ITL,
// where token k is due at request sent + TTFT + k * ITL: mean at the start and end of the window,
// p99 at the end); the simulator's CPU time (/proc/PID/stat: all threads, and its busiest thread
// alone) as % of one core and as µs per received token; this client's CPU and the rest of the
// machine's ("other": more than a few % means noisy figures); the streams open, those that got
// no token in the window, the simulator's VmRSS, and with --preset vllm:num_requests_running and
// _waiting from its /metrics. Jitter defaults to 0 here so that the lag is exact.
//
// --raw-sender replaces the simulator by a loop that only calls send(): same chunk size, same
// pace, no timers, coroutines or request parsing: the kernel's share of a token on loopback.
//
//   build-bench/bench/sim_scale_bench                   # 10,000 streams x 20 tokens/s (ITL 50 ms)
//   build-bench/bench/sim_scale_bench --preset fast --engine-param max_num_seqs=10000 ...
//   --runs K      K independent runs (a new simulator each), one row each, then the medians
//   --csv FILE    append one line per run (header first if the file is new)
//
// Build (Release): cmake --preset bench && cmake --build build-bench -j2 --target sim_scale_bench
// The figures and the exact commands of the last measurement are in docs/performance.md,
// "Simulator scale (issue 5)".
//
// Thread affinity: single-threaded (the child has the simulator's threads). Lifetime: one
// SimChild and one Client per run; both close everything they opened when destroyed.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "forked_sim.hpp"
#include "llmpace/core/error.hpp"
#include "llmpace/core/setting_error.hpp"
#include "llmpace/core/time.hpp"
#include "llmpace/sim/gpu_preset.hpp"
#include "llmpace/sim/roofline.hpp"
#include "llmpace/sim/serve_until_signal.hpp"
#include "llmpace/sim/sim_options.hpp"
#include "llmpace/sim/sim_response.hpp"
#include "llmpace/sim/sim_server.hpp"
#include "llmpace/sim/sim_settings.hpp"

namespace {

using namespace llmpace;  // NOLINT(google-build-using-namespace): a single-file program

struct Flags {
  int streams = 10'000;
  double seconds = 10.0;         // the measured window
  double warmup_seconds = 3.0;   // after every stream has had its first token
  double ramp_timeout_s = 30.0;  // give up if the streams are not all started by then
  int max_pending = 500;         // connect() calls in progress at once during the ramp
  // The client sleeps this long between epoll_wait(0) calls; 0: it blocks in epoll_wait, and
  // then every token the server sends wakes it (see the header comment).
  double client_interval_ms = 1.0;
  bool raw_sender = false;  // measure a bare send() loop instead of the simulator
  double ttft_ms = 50.0;    // simple model
  double itl_ms = 50.0;     // simple model
  double jitter = 0.0;      // none: then the lag columns are exact (CPU does not depend on it)
  std::string preset;       // empty: the simple latency model
  std::vector<std::string> engine_params;  // KEY=VALUE
  std::int64_t max_tokens = 100'000;
  int runs = 1;
  std::string csv_path;
};

// ---------------------------------------------------------------------------------------------
// The stand-in sender of --raw-sender (the simulator's child process is bench/forked_sim.hpp).

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

/// --raw-sender: a stand-in for the simulator that does nothing but send(): it accepts the
/// streams, answers each with response headers, then writes one token chunk of the simulator's
/// size to each stream every ITL (round robin, paced every 0.2 ms), without reading requests,
/// timers or coroutines. Its CPU per token is what the kernel charges a sender on loopback.
[[noreturn]] void serve_raw_sender(const Flags& flags, int port_pipe) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 4096) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    _exit(1);
  }
  const std::uint16_t port = ntohs(address.sin_port);
  if (write(port_pipe, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) _exit(1);
  close(port_pipe);

  const sim::ResponseRenderer renderer{openai::ApiKind::completions,
                                       "cmpl-0123456789abcdef0123456789abcdef",
                                       1700000000,
                                       "llmpace-sim",
                                       5,
                                       flags.max_tokens};
  const std::string event = renderer.token_event(1);
  const std::string chunk = fmt::format("{:x}\r\n{}\r\n", event.size(), event);
  const std::string headers =
      "HTTP/1.1 200 OK\r\nServer: llmpace-sim\r\nContent-Type: text/event-stream; "
      "charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::vector<int> streams;
  while (streams.size() < static_cast<std::size_t>(flags.streams)) {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (send(fd, headers.data(), headers.size(), MSG_NOSIGNAL) < 0) _exit(1);
    streams.push_back(fd);
  }
  const TimePoint start = SteadyClock::now();
  const double tokens_per_s = static_cast<double>(streams.size()) * 1000.0 / flags.itl_ms;
  std::uint64_t sent = 0;
  for (;;) {
    const auto due =
        static_cast<std::uint64_t>(to_seconds(SteadyClock::now() - start) * tokens_per_s);
    for (; sent < due; ++sent) {
      send(streams[sent % streams.size()], chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    std::this_thread::sleep_for(std::chrono::microseconds{200});
  }
}

/// CPU seconds of every thread of `pid`, by thread id.
std::vector<std::pair<int, double>> thread_cpu_seconds(pid_t pid) {
  std::vector<std::pair<int, double>> threads;
  const std::string dir = fmt::format("/proc/{}/task", pid);
  DIR* tasks = opendir(dir.c_str());
  if (tasks == nullptr) return threads;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    threads.emplace_back(std::atoi(entry->d_name),
                         bench::stat_cpu_seconds(fmt::format("{}/{}/stat", dir, entry->d_name)));
  }
  closedir(tasks);
  return threads;
}

/// A "Key:   123 kB" line of /proc/PID/status, in MiB; 0 if absent.
double status_mib(pid_t pid, std::string_view key) {
  std::ifstream file(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind(key, 0) == 0 && line.size() > key.size() && line[key.size()] == ':') {
      return std::stod(line.substr(key.size() + 1)) / 1024.0;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The client: one epoll loop, every stream a non-blocking socket.

class Client {
 public:
  Client(std::uint16_t port, const Flags& flags)
      : address_(loopback(port)), flags_(flags), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
    request_ = fmt::format(
        "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n"
        "Content-Length: {{}}\r\n\r\n",
        port);
    const std::string body =
        fmt::format(R"({{"model":"llmpace-sim","prompt":"Say something long.","max_tokens":{},)"
                    R"("stream":true,"ignore_eos":true}})",
                    flags.max_tokens);
    request_ = fmt::format(fmt::runtime(request_), body.size()) + body;
    streams_.reserve(static_cast<std::size_t>(flags.streams));
  }
  ~Client() {
    for (const Stream& stream : streams_) {
      if (stream.fd >= 0) close(stream.fd);
    }
    close(epoll_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Connects every stream, then sends every request and serves the streams until all have had
  /// their first token; false if the deadline comes first or a stream failed.
  bool ramp(TimePoint deadline) {
    const auto wanted = static_cast<std::size_t>(flags_.streams);
    // Connections first, while the simulator is idle: once it streams to thousands of clients
    // on its one thread, it accepts only about one connection per pass of its event loop.
    while (connected_ + failed_ < wanted) {
      while (streams_.size() < wanted && connecting_ < flags_.max_pending) open_stream();
      if (SteadyClock::now() >= deadline) return false;
      poll(std::chrono::milliseconds{10});
    }
    for (std::size_t index = 0; index < streams_.size(); ++index) {
      if (streams_[index].state == State::connected) send_request(index);
    }
    while (started_ < wanted) {
      if (SteadyClock::now() >= deadline || started_ + failed_ + closed_ >= wanted) return false;
      poll(std::chrono::milliseconds{10});
    }
    return true;
  }

  /// Serves the streams until `until`.
  void run_until(TimePoint until) {
    for (TimePoint now = SteadyClock::now(); now < until; now = SteadyClock::now()) {
      poll(std::chrono::duration_cast<std::chrono::milliseconds>(until - now) +
           std::chrono::milliseconds{1});
    }
  }

  [[nodiscard]] std::uint64_t tokens() const { return tokens_; }
  [[nodiscard]] std::size_t started() const { return started_; }
  [[nodiscard]] std::size_t failed() const { return failed_; }
  [[nodiscard]] std::size_t closed() const { return closed_; }
  [[nodiscard]] std::size_t open() const {
    return static_cast<std::size_t>(std::count_if(
        streams_.begin(), streams_.end(), [](auto& s) { return s.state == State::streaming; }));
  }
  /// Tokens each stream has received so far, in opening order.
  [[nodiscard]] std::vector<std::uint32_t> per_stream_tokens() const {
    std::vector<std::uint32_t> counts;
    counts.reserve(streams_.size());
    for (const Stream& stream : streams_) counts.push_back(stream.tokens);
    return counts;
  }
  /// Simple model only: how far behind schedule the open streams are at `now`, in ms: the mean
  /// and the 99th percentile over the streams of (tokens due - tokens received) * ITL, where token
  /// k is due at sent + TTFT + k * ITL (the jitter averages out in the mean).
  [[nodiscard]] std::pair<double, double> lag_ms(TimePoint now) const {
    std::vector<double> lags;
    lags.reserve(streams_.size());
    const double ttft_ms = flags_.ttft_ms;
    const double itl_ms = flags_.itl_ms;
    for (const Stream& stream : streams_) {
      if (stream.state != State::streaming) continue;
      const double since_ms = to_ms(now - stream.sent) - ttft_ms;
      const double due = since_ms < 0 ? 0 : std::floor(since_ms / itl_ms) + 1;
      lags.push_back((due - static_cast<double>(stream.tokens)) * itl_ms);
    }
    if (lags.empty()) return {0, 0};
    double sum = 0;
    for (const double lag : lags) sum += lag;
    std::sort(lags.begin(), lags.end());
    return {sum / static_cast<double>(lags.size()), lags[lags.size() * 99 / 100]};
  }
  [[nodiscard]] const std::string& first_failure() const { return first_failure_; }

 private:
  enum class State : std::uint8_t { connecting, connected, waiting, streaming, gone };
  struct Stream {
    int fd = -1;
    State state = State::connecting;
    std::uint8_t matched = 0;  // bytes of "data:" matched at the end of the last read
    bool checked = false;      // the status line was read and is 200
    std::uint32_t tokens = 0;
    TimePoint sent;  // when the request was written
  };

  void open_stream() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(fmt::format("socket(): {}", std::strerror(errno)));
    const std::size_t index = streams_.size();
    streams_.push_back({fd, State::connecting, 0, false, 0, TimePoint{}});
    ++connecting_;
    const int result = connect(fd, reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
    if (result != 0 && errno != EINPROGRESS) {
      fail(index, fmt::format("connect(): {}", std::strerror(errno)));
      return;
    }
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = index;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      throw std::runtime_error(fmt::format("epoll_ctl(): {}", std::strerror(errno)));
    }
  }

  void fail(std::size_t index, std::string why) {
    Stream& stream = streams_[index];
    if (stream.state == State::connecting) --connecting_;
    if (stream.state == State::connected) --connected_;
    if (stream.state == State::streaming) {
      ++closed_;
    } else {
      ++failed_;
    }
    if (first_failure_.empty()) first_failure_ = std::move(why);
    stream.state = State::gone;
    close(stream.fd);
    stream.fd = -1;
  }

  /// Handles what is ready, waiting up to `timeout` for something. With --client-interval-ms,
  /// sleeps that long instead and then takes what is ready without waiting.
  void poll(std::chrono::milliseconds timeout) {
    int wait_ms = static_cast<int>(timeout.count());
    if (flags_.client_interval_ms > 0) {
      std::this_thread::sleep_for(
          std::min<Nanoseconds>(from_ms(flags_.client_interval_ms), timeout));
      wait_ms = 0;
    }
    const int ready = epoll_wait(epoll_, events_.data(), static_cast<int>(events_.size()), wait_ms);
    for (int i = 0; i < ready; ++i) {
      const std::size_t index = events_[static_cast<std::size_t>(i)].data.u64;
      Stream& stream = streams_[index];
      if (stream.state == State::gone) continue;
      if (stream.state == State::connecting) {
        on_connected(index);
      } else {
        on_readable(index);
      }
    }
  }

  void on_connected(std::size_t index) {
    Stream& stream = streams_[index];
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(stream.fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return fail(index, fmt::format("connect: {}", std::strerror(error)));
    --connecting_;
    ++connected_;
    stream.state = State::connected;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, stream.fd, &event);
  }

  void send_request(std::size_t index) {
    Stream& stream = streams_[index];
    // A small request always fits in an empty send buffer.
    if (write(stream.fd, request_.data(), request_.size()) !=
        static_cast<ssize_t>(request_.size())) {
      return fail(index, "short write of the request");
    }
    --connected_;
    stream.state = State::waiting;
    stream.sent = SteadyClock::now();
  }

  void on_readable(std::size_t index) {
    Stream& stream = streams_[index];
    const ssize_t got = read(stream.fd, buffer_.data(), buffer_.size());
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (got <= 0) {
      return fail(index, got == 0 ? std::string{"closed by the server"}
                                  : fmt::format("read(): {}", std::strerror(errno)));
    }
    const char* data = buffer_.data();
    const auto size = static_cast<std::size_t>(got);
    if (!stream.checked) {
      // The status line comes in the first read (the server writes the headers at once).
      const std::string_view start{data, std::min<std::size_t>(size, 200)};
      if (start.rfind("HTTP/1.1 200", 0) != 0) {
        return fail(index, fmt::format("unexpected response: {}", start));
      }
      stream.checked = true;
    }
    // Counts "data:" across read boundaries; the pattern has no proper prefix that is also a
    // suffix, so one byte of state per stream is enough.
    static constexpr std::string_view kPattern = "data:";
    std::uint32_t found = 0;
    std::uint8_t matched = stream.matched;
    for (std::size_t i = 0; i < size; ++i) {
      const char c = data[i];
      if (c == kPattern[matched]) {
        if (++matched == kPattern.size()) {
          ++found;
          matched = 0;
        }
      } else {
        matched = c == 'd' ? 1 : 0;
      }
    }
    stream.matched = matched;
    stream.tokens += found;
    tokens_ += found;
    if (stream.state == State::waiting && stream.tokens > 0) {
      stream.state = State::streaming;
      ++started_;
    }
  }

  const sockaddr_in address_;
  const Flags& flags_;
  const int epoll_;
  std::string request_;
  std::vector<Stream> streams_;
  std::vector<epoll_event> events_ = std::vector<epoll_event>(4096);
  std::vector<char> buffer_ = std::vector<char>(1 << 16);
  int connecting_ = 0;         // connect() in progress
  std::size_t connected_ = 0;  // connected, request not sent yet
  std::size_t started_ = 0;
  std::size_t failed_ = 0;  // never started
  std::size_t closed_ = 0;  // started, then closed
  std::uint64_t tokens_ = 0;
  std::string first_failure_;
};

/// GET /metrics with a blocking socket; the value of every line starting with one of `names`.
std::vector<double> scrape(std::uint16_t port, const std::vector<std::string>& names) {
  std::vector<double> values(names.size(), std::numeric_limits<double>::quiet_NaN());
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in address = loopback(port);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (fd >= 0) close(fd);
    return values;
  }
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return values;
  }
  std::string response;
  std::vector<char> buffer(1 << 16);
  for (;;) {
    const ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got <= 0) break;
    response.append(buffer.data(), static_cast<std::size_t>(got));
  }
  close(fd);
  std::istringstream lines(response);
  std::string line;
  while (std::getline(lines, line)) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (line.rfind(names[i], 0) == 0) {
        values[i] = std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// One run.

constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();  // printed as "-"

struct Result {
  std::string note;       // why the run does not show what was asked for
  double ramp_s = 0;      // until every stream had its first token (or the ramp timed out)
  double started = 0;     // streams that had their first token during the ramp
  double open = 0;        // streams open at the end of the window
  double stalled = 0;     // of those, streams that received no token in the window
  double min_tokens = 0;  // fewest tokens one of them received in the window
  double tokens_per_s = 0;
  double offered_per_s = kAbsent;  // simple model: streams / ITL
  // Simple model: mean lag behind schedule at the start and end of the window, p99 at the end.
  double lag_start_ms = kAbsent;
  double lag_end_ms = kAbsent;
  double lag_p99_end_ms = kAbsent;
  double sim_cpu_percent = 0;             // all its threads, % of one core
  double sim_busiest_thread_percent = 0;  // its busiest thread alone
  double us_per_token = 0;                // simulator CPU (all threads) per received token
  double client_cpu_percent = 0;
  double other_cpu_percent = 0;     // the rest of the machine: more than a few % means noise
  double rss_mib = 0;               // simulator's VmRSS at the end of the window
  double rss_peak_mib = 0;          // its VmHWM
  double engine_running = kAbsent;  // engine preset: vllm:num_requests_running at the end
  double engine_waiting = kAbsent;
};

/// The columns of the table and of the CSV file.
struct Column {
  std::string_view title;
  std::string_view csv_name;
  double Result::*field;
  int width;
  int decimals;
};

const std::vector<Column>& columns() {
  static const std::vector<Column> all{
      {"ramp s", "ramp_s", &Result::ramp_s, 6, 1},
      {"started", "started", &Result::started, 7, 0},
      {"open", "open", &Result::open, 6, 0},
      {"stalled", "stalled", &Result::stalled, 7, 0},
      {"tokens/s", "tokens_per_s", &Result::tokens_per_s, 8, 0},
      {"offered", "offered_per_s", &Result::offered_per_s, 7, 0},
      {"lag0 ms", "lag_start_ms", &Result::lag_start_ms, 7, 1},
      {"lag1 ms", "lag_end_ms", &Result::lag_end_ms, 7, 1},
      {"p99 ms", "lag_p99_end_ms", &Result::lag_p99_end_ms, 6, 0},
      {"sim %", "sim_cpu_percent", &Result::sim_cpu_percent, 5, 1},
      {"busy1", "sim_busiest_thread_percent", &Result::sim_busiest_thread_percent, 5, 1},
      {"µs/tok", "us_per_token", &Result::us_per_token, 6, 2},
      {"client", "client_cpu_percent", &Result::client_cpu_percent, 6, 1},
      {"other", "other_cpu_percent", &Result::other_cpu_percent, 5, 1},
      {"RSS MiB", "rss_mib", &Result::rss_mib, 7, 0},
      {"running", "engine_running", &Result::engine_running, 7, 0},
      {"waiting", "engine_waiting", &Result::engine_waiting, 7, 0},
  };
  return all;
}

sim::SimOptions make_sim_options(const Flags& flags) {
  sim::SimSettings settings;
  settings.host = "127.0.0.1";  // loopback only
  settings.port = 0;
  settings.threads = 1;
  settings.ttft_ms = flags.ttft_ms;
  settings.itl_ms = flags.itl_ms;
  settings.jitter = flags.jitter;
  if (!flags.preset.empty()) settings.preset = flags.preset;
  settings.engine_params = flags.engine_params;
  try {
    return sim::resolve_sim_options(settings);
  } catch (const SettingError& error) {
    throw ConfigError(error.render([](std::string_view key) -> std::string {
      if (key.empty()) return "";
      return key == "engine_params" ? "--engine-param" : flag_name(key);
    }));
  }
}

Result run_once(const Flags& flags, const sim::SimOptions& options) {
  Result result;
  // Forked while this process has only its main thread.
  const bench::SimChild sim([&](int port_pipe) {
    if (flags.raw_sender) serve_raw_sender(flags, port_pipe);
    bench::serve_sim_child(options, port_pipe, "sim_scale_bench");
  });
  Client client(sim.port(), flags);

  const TimePoint ramp_start = SteadyClock::now();
  const bool started = client.ramp(ramp_start + from_seconds(flags.ramp_timeout_s));
  result.ramp_s = to_seconds(SteadyClock::now() - ramp_start);
  result.started = static_cast<double>(client.started());
  if (!started) {
    // Measured all the same: what the simulator emits while it cannot take more streams.
    result.note = fmt::format(
        "only {} of {} streams started in {:.1f} s ({} failed, {} closed; first failure: {})",
        client.started(), flags.streams, result.ramp_s, client.failed(), client.closed(),
        client.first_failure().empty() ? "none" : client.first_failure());
  }
  client.run_until(SteadyClock::now() + from_seconds(flags.warmup_seconds));

  const bool simple = !options.preset && !flags.raw_sender;  // lag: simple model only
  if (simple) result.lag_start_ms = client.lag_ms(SteadyClock::now()).first;
  const std::vector<std::uint32_t> tokens_before_per_stream = client.per_stream_tokens();
  const std::uint64_t tokens_before = client.tokens();
  const double sim_cpu_before = bench::process_cpu_seconds(sim.pid());
  const auto threads_before = thread_cpu_seconds(sim.pid());
  const double self_before = bench::self_cpu_seconds();
  const double machine_before = bench::machine_busy_cpu_seconds();
  const TimePoint window_start = SteadyClock::now();
  client.run_until(window_start + from_seconds(flags.seconds));
  const double wall = to_seconds(SteadyClock::now() - window_start);
  const std::uint64_t tokens = client.tokens() - tokens_before;
  const double sim_cpu = bench::process_cpu_seconds(sim.pid()) - sim_cpu_before;
  const auto threads_after = thread_cpu_seconds(sim.pid());
  const double self_cpu = bench::self_cpu_seconds() - self_before;
  const double machine = bench::machine_busy_cpu_seconds() - machine_before;

  result.rss_mib = status_mib(sim.pid(), "VmRSS");
  result.rss_peak_mib = status_mib(sim.pid(), "VmHWM");
  result.open = static_cast<double>(client.open());
  if (simple)
    std::tie(result.lag_end_ms, result.lag_p99_end_ms) = client.lag_ms(SteadyClock::now());
  const std::vector<std::uint32_t> tokens_after_per_stream = client.per_stream_tokens();
  std::uint32_t min_tokens = UINT32_MAX;
  for (std::size_t i = 0; i < tokens_before_per_stream.size(); ++i) {
    const std::uint32_t got = tokens_after_per_stream[i] - tokens_before_per_stream[i];
    if (got == 0) ++result.stalled;
    min_tokens = std::min(min_tokens, got);
  }
  result.tokens_per_s = static_cast<double>(tokens) / wall;
  result.min_tokens = min_tokens == UINT32_MAX ? 0 : min_tokens;
  if (!options.preset) {
    result.offered_per_s = flags.streams * 1000.0 / flags.itl_ms;
  } else if (result.open > 0) {
    // The inference model's nominal rate: one token per running request per step, the step priced
    // by the roofline for the batch as it is now (its contexts about prompt + tokens so far).
    const auto running = static_cast<std::size_t>(result.open);
    const double context_tokens = static_cast<double>(client.tokens()) +
                                  3.0 * static_cast<double>(running);  // 3-token prompt
    result.offered_per_s =
        result.open /
        sim::decode_step_s(*options.preset, running, static_cast<std::int64_t>(context_tokens));
  }
  result.sim_cpu_percent = 100 * sim_cpu / wall;
  for (const auto& [tid, after] : threads_after) {
    double before = 0;
    for (const auto& [tid_before, seconds] : threads_before) {
      if (tid_before == tid) before = seconds;
    }
    result.sim_busiest_thread_percent =
        std::max(result.sim_busiest_thread_percent, 100 * (after - before) / wall);
  }
  result.us_per_token = tokens == 0 ? 0 : sim_cpu * 1e6 / static_cast<double>(tokens);
  result.client_cpu_percent = 100 * self_cpu / wall;
  result.other_cpu_percent = std::max(0.0, 100 * (machine - sim_cpu - self_cpu) / wall);
  if (options.preset) {
    const std::vector<double> gauges =
        scrape(sim.port(), {"vllm:num_requests_running", "vllm:num_requests_waiting"});
    result.engine_running = gauges[0];
    result.engine_waiting = gauges[1];
  }
  return result;
}

void print_header() {
  std::string line = fmt::format("{:>4}", "run");
  for (const Column& column : columns()) line += fmt::format(" {:>{}}", column.title, column.width);
  fmt::print("{}\n", line);
}

void print_row(const std::string& label, const Result& r) {
  std::string line = fmt::format("{:>4}", label);
  for (const Column& column : columns()) {
    const double value = r.*column.field;
    line += std::isnan(value) ? fmt::format(" {:>{}}", "-", column.width)
                              : fmt::format(" {:>{}.{}f}", value, column.width, column.decimals);
  }
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

void append_csv(const Flags& flags, const Result& r) {
  const bool fresh = !std::ifstream(flags.csv_path).good();
  std::ofstream csv(flags.csv_path, std::ios::app);
  if (!csv) throw std::runtime_error(fmt::format("cannot write {}", flags.csv_path));
  if (fresh) {
    csv << "mode,streams,itl_ms,seconds,min_tokens,rss_peak_mib";
    for (const Column& column : columns()) csv << ',' << column.csv_name;
    csv << '\n';
  }
  const std::string mode =
      flags.raw_sender ? "raw-sender" : (flags.preset.empty() ? "simple" : flags.preset);
  csv << fmt::format("{},{},{},{},{},{:.1f}", mode, flags.streams, flags.itl_ms, flags.seconds,
                     r.min_tokens, r.rss_peak_mib);
  for (const Column& column : columns()) csv << fmt::format(",{:.3f}", r.*column.field);
  csv << '\n';
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void raise_fd_limit(int streams) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(streams) + 100) {
    throw std::runtime_error(
        fmt::format("{} streams need at least {} file descriptors per process; the limit is {}",
                    streams, streams + 100, limit.rlim_cur));
  }
}

int run(const Flags& flags) {
  raise_fd_limit(flags.streams);
  const sim::SimOptions options = make_sim_options(flags);

  const double idle_check_before = bench::machine_busy_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds{1});
  const double busy_before_percent = 100 * (bench::machine_busy_cpu_seconds() - idle_check_before);
  std::string model = "simple latency model";
  if (flags.raw_sender) {
    model = fmt::format("RAW SENDER (send() only, no simulator), ITL {} ms", flags.itl_ms);
  } else if (options.preset) {
    const sim::GpuPreset& p = *options.preset;
    model = fmt::format(
        "engine preset {} (max_num_seqs {}, max_num_batched_tokens {}, KV {} blocks of {}, "
        "step_overhead_s {})",
        p.name, p.max_num_seqs, p.max_num_batched_tokens, sim::kv_budget_blocks(p),
        p.block_size_tokens, p.step_overhead_s);
  } else {
    model += fmt::format(", TTFT {} ms, ITL {} ms", flags.ttft_ms, flags.itl_ms);
  }
  fmt::print(
      "sim_scale_bench: {} streams against the simulator (one io thread) on 127.0.0.1\n"
      "machine: {} cores ({}); {}, jitter {}; max_tokens {}; at most {} connects at once, "
      "client polls every {} ms, warmup {} s, window {} s\n"
      "machine busy before the start: {:.0f}% of one core{}\n"
      "lag0/lag1 = mean lag behind schedule at the window's start/end, p99 at its end; sim % = "
      "simulator CPU, all threads; busy1 = its busiest thread; CPU in % of one core\n\n",
      flags.streams, std::thread::hardware_concurrency(), bench::cpu_model_name(), model,
      flags.jitter, flags.max_tokens, flags.max_pending, flags.client_interval_ms,
      flags.warmup_seconds, flags.seconds, busy_before_percent,
      busy_before_percent > 10 ? " (not idle: expect noisy figures)" : "");
  print_header();

  std::vector<Result> results;
  for (int i = 0; i < flags.runs; ++i) {
    const Result result = run_once(flags, options);
    print_row(std::to_string(i + 1), result);
    if (!result.note.empty()) fmt::print("     {}\n", result.note);
    if (!flags.csv_path.empty()) append_csv(flags, result);
    results.push_back(result);
    if (i + 1 < flags.runs) std::this_thread::sleep_for(std::chrono::seconds{2});
  }
  if (results.size() > 1) {
    Result medians;
    for (const Column& column : columns()) {
      std::vector<double> values;
      for (const Result& r : results) values.push_back(r.*column.field);
      medians.*column.field = median(values);
    }
    print_row("med", medians);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App cli{"Concurrent streams and tokens/s of one simulator io thread, on 127.0.0.1"};
  cli.add_option("--streams", flags.streams, "Concurrent streams")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cli.add_option("--seconds", flags.seconds, "Length of the measured window")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--warmup-seconds", flags.warmup_seconds,
                 "Wait this long after every stream has had its first token")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--ramp-timeout", flags.ramp_timeout_s,
                 "Give up when the streams are not all started after this many seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cli.add_option("--max-pending", flags.max_pending,
                 "Most connect() calls in progress at once during the ramp")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  cli.add_option("--client-interval-ms", flags.client_interval_ms,
                 "Client sleeps this long between non-blocking polls; 0: blocks in epoll_wait")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cli.add_flag("--raw-sender", flags.raw_sender,
               "Measure a bare send() loop (same chunks, same pace) instead of the simulator");
  cli.add_option("--ttft-ms", flags.ttft_ms, "Simulator time to first token (simple model)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60000.0));
  cli.add_option("--itl-ms", flags.itl_ms, "Simulator inter-token latency (simple model)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 60000.0));
  cli.add_option("--jitter", flags.jitter, "Simulator jitter (relative stddev)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.3));
  cli.add_option("--preset", flags.preset,
                 "Engine preset (e.g. fast); empty: the simple latency model");
  cli.add_option("--engine-param", flags.engine_params, "Preset parameter KEY=VALUE (repeatable)");
  cli.add_option("--max-tokens", flags.max_tokens, "max_tokens of every request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000'000));
  cli.add_option("--runs", flags.runs, "Independent runs (a new simulator each); medians last")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cli.add_option("--csv", flags.csv_path, "Append one line per run to this CSV file");
  CLI11_PARSE(cli, argc, argv);

  try {
    return run(flags);
  } catch (const std::exception& error) {
    fmt::print(stderr, "sim_scale_bench: {}\n", error.what());
    return 1;
  }
}
