#include "kernel_receive.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <cerrno>
#include <cstring>

namespace llmpace::http {
namespace {

std::int64_t to_nanoseconds(const timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

// The steady-clock time of the message's realtime stamp, by its age now (`now` if it has none).
TimePoint steady_time_of(msghdr& message, TimePoint now) {
  for (cmsghdr* control = CMSG_FIRSTHDR(&message); control != nullptr;
       control = CMSG_NXTHDR(&message, control)) {
    if (control->cmsg_level != SOL_SOCKET || control->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(control), sizeof stamp);
    timespec realtime_now{};
    ::clock_gettime(CLOCK_REALTIME, &realtime_now);
    const std::int64_t age_ns = to_nanoseconds(realtime_now) - to_nanoseconds(stamp);
    return age_ns > 0 ? now - Nanoseconds(age_ns) : now;
  }
  return now;
}

}  // namespace

bool enable_receive_timestamps(boost::asio::ip::tcp::socket& socket) {
  const int on = 1;
  return ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

Receipt receive_some(int descriptor, std::span<char> buffer, TimePoint not_before,
                     boost::system::error_code& error) {
  iovec data{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;

  ssize_t result = 0;
  do {
    result = ::recvmsg(descriptor, &message, MSG_DONTWAIT);
  } while (result < 0 && errno == EINTR);
  const TimePoint now = SteadyClock::now();
  error = {};
  if (result < 0) {
    error = errno == EAGAIN || errno == EWOULDBLOCK
                ? boost::system::error_code(boost::asio::error::would_block)
                : boost::system::error_code(errno, boost::asio::error::get_system_category());
    return {0, now};
  }
  if (result == 0) {
    error = boost::asio::error::eof;
    return {0, now};
  }
  const TimePoint received = steady_time_of(message, now);
  return {static_cast<std::size_t>(result), std::clamp(received, std::min(not_before, now), now)};
}

}  // namespace llmpace::http
