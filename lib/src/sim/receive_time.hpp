// Private to the simulator: when a request really arrived. The kernel stamps every received
// packet (SO_TIMESTAMPNS); peeking at the first unread byte of a socket gives the time its packet
// reached this host, however long the server's event loop was busy with other connections before
// it read the request. The trace's arrival time and the server-side TTFT start there.
//
// The kernel stamps CLOCK_REALTIME; receive_time() converts to the steady clock (CLOCK_MONOTONIC)
// with the offset between the two clocks at the moment of the call (a clock step between the
// packet and the call would shift the result by that step).
//
// Pure system calls on a socket descriptor; safe from any thread.
#pragma once

#include <optional>

#include "llmpace/core/time.hpp"

namespace llmpace::sim::detail {

/// Asks the kernel to timestamp the packets received on `socket_fd`; false if it refuses.
bool enable_receive_timestamps(int socket_fd);

/// The arrival time of the first unread byte of `socket_fd` (without consuming it), or nullopt
/// when nothing is queued or the socket has no timestamps.
std::optional<TimePoint> peek_receive_time(int socket_fd);

}  // namespace llmpace::sim::detail
