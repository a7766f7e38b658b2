// Reads from a plain TCP socket with the time the kernel received the bytes, not the time the
// client got round to reading them. The two differ by however long the bytes waited in the
// socket while the event loop served other connections; on a busy client that wait, not the
// server, was most of the error of a measured TTFT or ITL (docs/metrics.md, "Timestamps").
//
// The kernel stamps each arriving segment (SO_TIMESTAMPNS, CLOCK_REALTIME); recvmsg hands back the
// stamp of the last segment it read. It is taken onto the steady clock by its age: the realtime
// clock read right after the call minus the stamp, subtracted from the steady clock read with it.
// A time that comes out before `not_before` (the previous read, or the request's send) or after
// now — the realtime clock stepped, or the kernel gave no stamp — is clamped into that range, so
// times of one exchange never run backwards.
//
// Thread affinity: none (plain functions on the caller's socket).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <span>

#include "llmpace/core/time.hpp"

namespace llmpace::http {

/// Asks the kernel to stamp the socket's incoming segments. False if it cannot (the reads then
/// carry the time they were made).
bool enable_receive_timestamps(boost::asio::ip::tcp::socket& socket);

/// What one read brought: how many bytes, and when the kernel received the last of them.
struct Receipt {
  std::size_t bytes = 0;
  TimePoint time{};
};

/// One non-blocking read of what the kernel has on the socket `descriptor`, at most
/// `buffer.size()` bytes. On failure `error` is set (would_block when there is nothing, eof when
/// the peer closed) and the receipt holds no bytes and the time of the call.
Receipt receive_some(int descriptor, std::span<char> buffer, TimePoint not_before,
                     boost::system::error_code& error);

}  // namespace llmpace::http
