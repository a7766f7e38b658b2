// Private to the simulator: the streaming hot path's writes of token events, each one HTTP/1.1
// chunk.
//
// ChunkBuffer frames payloads as Beast's http::make_chunk does (hex size, CRLF, payload, CRLF; no
// extensions), in one reused buffer, so a token costs no allocation once the buffer has grown; a
// session that fell behind puts every token already due in it and writes them at once.
// send_now() then offers the bytes to a plain TCP socket in one non-blocking send(); the session
// suspends (async_write_rest, with the write timeout) only for what the socket would not take.
// While the socket's send buffer has room, the usual case, a streamed token therefore costs one
// system call and no Asio operation, timer or coroutine frame. The bytes on the wire are the same
// either way; TLS streams always take the asynchronous path.
//
// Thread affinity: used by one session coroutine, on its io thread; no shared state. Lifetime: a
// ChunkBuffer lives in its response's coroutine frame; a view from bytes() lasts until the next
// begin_chunk() or clear().
#pragma once

#include <sys/socket.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "llmpace/core/time.hpp"

namespace llmpace::sim::detail {

/// Framed chunks waiting to be written together, in one buffer reused for the whole response.
class ChunkBuffer {
 public:
  /// Opens a chunk and returns the buffer, to append its payload (at least one byte: an empty
  /// chunk ends a body) to; end_chunk() then frames it.
  std::string& begin_chunk() {
    chunk_start_ = buffer_.size();
    buffer_.append(kSizeRoom, '\0');
    return buffer_;
  }

  /// Frames the payload appended since begin_chunk(): hex size (lower case, no leading zeros),
  /// CRLF, payload, CRLF, as Beast's http::make_chunk writes it without extensions.
  void end_chunk() {
    std::size_t size = buffer_.size() - chunk_start_ - kSizeRoom;
    char line[kSizeRoom];  // written backwards: CRLF, then the digits before it
    std::size_t first = kSizeRoom;
    line[--first] = '\n';
    line[--first] = '\r';
    do {
      line[--first] = "0123456789abcdef"[size & 0xf];
      size >>= 4;
    } while (size != 0);
    buffer_.replace(chunk_start_, kSizeRoom, line + first, kSizeRoom - first);
    buffer_ += "\r\n";
  }

  /// Every framed chunk since clear(), valid until the buffer changes.
  [[nodiscard]] std::string_view bytes() const { return buffer_; }
  [[nodiscard]] std::size_t size() const { return buffer_.size(); }
  void clear() { buffer_.clear(); }

 private:
  static constexpr std::size_t kSizeRoom = 2 * sizeof(std::size_t) + 2;  // hex digits, CRLF
  std::string buffer_;
  std::size_t chunk_start_ = 0;
};

/// A session that fell behind writes the tokens already due together, up to about this much.
inline constexpr std::size_t kMaxCoalescedBytes = 16 * 1024;

/// Writes as much of `bytes` as a plain TCP socket takes at once, without blocking; 0 for other
/// streams (TLS). Throws boost::system::system_error as a failed write would (reset, closed).
template <class Stream>
std::size_t send_now(Stream& stream, std::string_view bytes) {
  if constexpr (std::is_same_v<Stream, boost::beast::tcp_stream>) {
    const int fd = stream.socket().native_handle();
    for (;;) {
      const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent >= 0) return static_cast<std::size_t>(sent);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      throw boost::system::system_error(
          boost::system::error_code(errno, boost::system::system_category()));
    }
  } else {
    static_cast<void>(stream);
    static_cast<void>(bytes);
    return 0;
  }
}

/// Writes all of `bytes` (which must outlive the call) within `timeout`.
template <class Stream>
boost::asio::awaitable<void> async_write_rest(Stream& stream, std::string_view bytes,
                                              Nanoseconds timeout) {
  boost::beast::get_lowest_layer(stream).expires_after(timeout);
  co_await boost::asio::async_write(stream, boost::asio::buffer(bytes), boost::asio::use_awaitable);
}

}  // namespace llmpace::sim::detail
