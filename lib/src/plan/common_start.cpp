#include "common_start.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "llmpace/core/error.hpp"

namespace llmpace::plan::detail {
namespace {

namespace asio = boost::asio;
using std::chrono::steady_clock;
using std::chrono::system_clock;

/// How often a shard looks for a file of the start: the start is seconds ahead, so a tenth of a
/// second costs nothing in precision. A file on a network volume offers no change notification
/// to wait on.
constexpr auto kStartFilePoll = std::chrono::milliseconds{100};

/// Writes `text` and a newline to `path` whole: to a temporary name of this shard's first (two
/// shards may publish the same stop at once), then renamed.
void publish_text(const std::string& path, std::string_view text, int shard) {
  const std::string temporary = fmt::format("{}.partial-{}", path, shard);
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << text << '\n';
    if (!file.flush()) {
      throw RunError(fmt::format("cannot write the start file {}", temporary));
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    throw RunError(fmt::format("cannot write the start file {}: {}", path, error.message()));
  }
}

/// The first line of `path`, or nullopt while it does not exist.
std::optional<std::string> read_line(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::string text;
  std::getline(file, text);
  return text;
}

/// The instant in the start file, or nullopt while it does not exist. Throws RunError when it
/// holds something else.
std::optional<system_clock::time_point> read_start_file(const std::string& path) {
  const std::optional<std::string> text = read_line(path);
  if (!text) return std::nullopt;
  const auto instant = parse_rfc3339(*text);
  if (!instant) {
    throw RunError(
        fmt::format("the start file {} holds '{}', not an RFC 3339 instant", path, *text));
  }
  return instant;
}

/// The files of the barrier before benchmark k ≥ 1, beside the start file.
std::string benchmark_start_path(const ScaleOutPlan& scale_out, std::size_t benchmark) {
  return fmt::format("{}.{}", scale_out.start_file, benchmark);
}
std::string ready_path(const ScaleOutPlan& scale_out, std::size_t benchmark, int shard) {
  return fmt::format("{}.{}.ready-{}", scale_out.start_file, benchmark, shard);
}
std::string stop_path(const ScaleOutPlan& scale_out) { return scale_out.start_file + ".stop"; }

/// Stops `io` at SIGINT or SIGTERM, and remembers that it did.
class SignalWatch {
 public:
  explicit SignalWatch(asio::io_context& io) : signals_(io, SIGINT, SIGTERM) {
    signals_.async_wait([this, &io](const boost::system::error_code& error, int /*signal*/) {
      if (error) return;
      signalled_ = true;
      io.stop();
    });
  }
  [[nodiscard]] bool signalled() const { return signalled_; }

 private:
  asio::signal_set signals_;
  bool signalled_ = false;
};

/// The waits of one start, on the calling thread: each ends early at SIGINT or SIGTERM.
class StartWait {
 public:
  StartWait() : watch_(io_) {}

  /// Calls `look` now and every kStartFilePoll until it returns true (then true), or `timeout`
  /// passes or a signal arrives (then false).
  bool poll(steady_clock::duration timeout, const std::function<bool()>& look) {
    const auto give_up = steady_clock::now() + timeout;
    bool found = false;
    asio::steady_timer timer{io_};
    std::function<void()> step = [&] {
      found = look();
      if (found || steady_clock::now() >= give_up) {
        io_.stop();
        return;
      }
      timer.expires_after(kStartFilePoll);
      timer.async_wait([&](const boost::system::error_code& error) {
        if (!error) step();
      });
    };
    step();
    run();
    return found && !signalled();
  }

  /// Waits until `instant` on the wall clock; false when a signal came first.
  bool until(system_clock::time_point instant) {
    asio::system_timer timer{io_, instant};
    timer.async_wait([this](const boost::system::error_code&) { io_.stop(); });
    run();
    return !signalled();
  }

  [[nodiscard]] bool signalled() const { return watch_.signalled(); }

 private:
  void run() {
    io_.run();
    io_.restart();
  }

  asio::io_context io_{1};
  SignalWatch watch_;
};

std::chrono::seconds whole_seconds(steady_clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(duration);
}

}  // namespace

StartOutcome await_common_start(const ScaleOutPlan& scale_out,
                                steady_clock::duration file_timeout) {
  StartOutcome outcome;
  // As published (to the millisecond), so that every shard waits for the very same instant.
  outcome.instant = std::chrono::floor<std::chrono::milliseconds>(*scale_out.start_at);
  StartWait wait;
  if (!scale_out.start_file.empty()) {
    if (scale_out.shard.index == 0) {
      publish_text(scale_out.start_file, format_rfc3339_ms(*outcome.instant), 0);
    } else {
      outcome.instant.reset();
      const bool found = wait.poll(file_timeout, [&] {
        outcome.instant = read_start_file(scale_out.start_file);
        return outcome.instant.has_value();
      });
      if (wait.signalled()) {
        outcome.signalled = true;
        return outcome;
      }
      if (!found) {
        throw RunError(
            fmt::format("the start file {} did not appear within {} s (is shard 0 "
                        "running, on the same volume?)",
                        scale_out.start_file, whole_seconds(file_timeout).count()));
      }
    }
  }
  outcome.signalled = !wait.until(*outcome.instant);
  return outcome;
}

StartOutcome await_benchmark_start(const ScaleOutPlan& scale_out, std::size_t benchmark,
                                   const std::function<void()>& settle,
                                   steady_clock::duration file_timeout,
                                   steady_clock::duration settle_timeout) {
  StartOutcome outcome;
  StartWait wait;
  const std::string start_path = benchmark_start_path(scale_out, benchmark);
  // Another shard's stop, when there is one: every wait looks for it first.
  const auto stopped_elsewhere = [&] {
    if (std::optional<std::string> why = read_line(stop_path(scale_out))) {
      outcome.stopped = std::move(*why);
      return true;
    }
    return false;
  };
  const auto give_up = [&](std::string why) {
    publish_stop(scale_out, benchmark, why);
    outcome.stopped = fmt::format("shard {} stopped before benchmark {}: {}", scale_out.shard.index,
                                  benchmark + 1, why);
    return outcome;
  };

  if (scale_out.shard.index == 0) {
    int next_shard = 1;  // the marks come in any order; look for each in turn
    const bool all_ready = wait.poll(file_timeout, [&] {
      if (stopped_elsewhere()) return true;
      while (next_shard < scale_out.shard.count &&
             std::filesystem::exists(ready_path(scale_out, benchmark, next_shard))) {
        ++next_shard;
      }
      return next_shard == scale_out.shard.count;
    });
    outcome.signalled = wait.signalled();
    if (outcome.signalled || !outcome.stopped.empty()) return outcome;
    if (!all_ready) {
      return give_up(fmt::format("shard {} was not done with benchmark {} within {} s", next_shard,
                                 benchmark, whole_seconds(file_timeout).count()));
    }
    settle();
    outcome.instant =
        std::chrono::floor<std::chrono::milliseconds>(system_clock::now() + kBenchmarkStartLead);
    publish_text(start_path, format_rfc3339_ms(*outcome.instant), 0);
  } else {
    publish_text(ready_path(scale_out, benchmark, scale_out.shard.index), "ready",
                 scale_out.shard.index);
    const auto timeout = file_timeout + settle_timeout;
    const bool found = wait.poll(timeout, [&] {
      if (stopped_elsewhere()) return true;
      outcome.instant = read_start_file(start_path);
      return outcome.instant.has_value();
    });
    outcome.signalled = wait.signalled();
    if (outcome.signalled || !outcome.stopped.empty()) return outcome;
    if (!found) {
      return give_up(fmt::format("shard 0's start of benchmark {} did not appear in {} within {} s",
                                 benchmark + 1, start_path, whole_seconds(timeout).count()));
    }
  }
  outcome.signalled = !wait.until(*outcome.instant);
  return outcome;
}

void publish_stop(const ScaleOutPlan& scale_out, std::size_t benchmark, std::string_view why) {
  const std::string path = stop_path(scale_out);
  if (std::filesystem::exists(path)) return;  // the first says why the run stopped
  publish_text(path,
               fmt::format("shard {} stopped before benchmark {}: {}", scale_out.shard.index,
                           benchmark + 1, why),
               scale_out.shard.index);
}

}  // namespace llmpace::plan::detail
