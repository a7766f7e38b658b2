#include "common_start.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "llmpace/core/error.hpp"

namespace llmpace::plan::detail {
namespace {

namespace asio = boost::asio;
using std::chrono::system_clock;

/// How often a shard looks for the start file: the start is seconds ahead, so a tenth of a second
/// costs nothing in precision. A file on a network volume offers no change notification to wait on.
constexpr auto kStartFilePoll = std::chrono::milliseconds{100};

void publish(const std::string& path, system_clock::time_point instant) {
  const std::string temporary = path + ".partial";
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << format_rfc3339_ms(instant) << '\n';
    if (!file.flush()) {
      throw RunError(fmt::format("cannot write the start file {}", temporary));
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    throw RunError(fmt::format("cannot write the start file {}: {}", path, error.message()));
  }
}

/// The instant in the start file, or nullopt while it does not exist. Throws RunError when it
/// holds something else.
std::optional<system_clock::time_point> read_start_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::string text;
  std::getline(file, text);
  const auto instant = parse_rfc3339(text);
  if (!instant) {
    throw RunError(
        fmt::format("the start file {} holds '{}', not an RFC 3339 instant", path, text));
  }
  return instant;
}

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

}  // namespace

StartOutcome await_common_start(const ScaleOutPlan& scale_out,
                                std::chrono::steady_clock::duration file_timeout) {
  StartOutcome outcome;
  outcome.instant = scale_out.start_at;
  asio::io_context io{1};
  SignalWatch watch{io};

  if (!scale_out.start_file.empty()) {
    if (scale_out.shard.index == 0) {
      publish(scale_out.start_file, *scale_out.start_at);
    } else {
      outcome.instant.reset();
      const auto give_up = std::chrono::steady_clock::now() + file_timeout;
      asio::steady_timer poll{io};
      std::function<void()> look = [&] {
        outcome.instant = read_start_file(scale_out.start_file);
        if (outcome.instant || std::chrono::steady_clock::now() >= give_up) {
          io.stop();
          return;
        }
        poll.expires_after(kStartFilePoll);
        poll.async_wait([&](const boost::system::error_code& error) {
          if (!error) look();
        });
      };
      look();
      io.run();
      io.restart();
      if (watch.signalled()) {
        outcome.signalled = true;
        return outcome;
      }
      if (!outcome.instant) {
        throw RunError(
            fmt::format("the start file {} did not appear within {} s (is shard 0 "
                        "running, on the same volume?)",
                        scale_out.start_file,
                        std::chrono::duration_cast<std::chrono::seconds>(file_timeout).count()));
      }
    }
  }

  asio::system_timer start{io, *outcome.instant};
  start.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.run();
  outcome.signalled = watch.signalled();
  return outcome;
}

}  // namespace llmpace::plan::detail
