// Kernel receive timestamps of the simulator's sockets; see receive_time.hpp.
#include "receive_time.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstring>
#include <ctime>

namespace llmpace::sim::detail {

bool enable_receive_timestamps(int socket_fd) {
  const int on = 1;
  return ::setsockopt(socket_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

std::optional<TimePoint> peek_receive_time(int socket_fd) {
  char byte = 0;
  iovec vector{&byte, 1};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
  msghdr message{};
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  if (::recvmsg(socket_fd, &message, MSG_PEEK | MSG_DONTWAIT) <= 0) return std::nullopt;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(header), sizeof stamp);
    const auto received_realtime = std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds{stamp.tv_sec} + std::chrono::nanoseconds{stamp.tv_nsec})};
    const auto age = std::chrono::system_clock::now() - received_realtime;
    const TimePoint steady_now = SteadyClock::now();
    // A stamp from the future (clock stepped back) is clamped to now.
    return age > Nanoseconds::zero() ? steady_now - std::chrono::duration_cast<Nanoseconds>(age)
                                     : steady_now;
  }
  return std::nullopt;
}

}  // namespace llmpace::sim::detail
