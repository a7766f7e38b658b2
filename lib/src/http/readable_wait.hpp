// async_wait_readable: waits until the reactor reports a plain TCP socket readable, without the
// system call Asio's own socket.async_wait(wait_read) makes every time it waits.
//
// Asio's async_wait re-arms the descriptor with EPOLL_CTL_MOD on every call (the non-speculative
// path of epoll_reactor::start_op). It has to: the re-arm makes the kernel report what arrived
// before the wait began. But a socket is registered edge-triggered for reading from the start, so
// when the caller has just found it empty (a read that would block), anything that arrives later
// is reported anyway, and the re-arm is a system call for nothing: about 5 % of the client's CPU
// per request on loopback (docs/performance.md).
//
// So the contract: call it only when a read of the socket would have blocked since this
// io_context last polled for events (in practice: in the same handler, with no co_await between
// that read and the wait). Bytes, an end of stream or an error that came before that read would
// not wake the wait; everything after it does. Cancellation is Asio's: socket cancel() or close()
// completes the wait with operation_aborted.
//
// It is Asio's reactor operation with a different start (started "speculatively", the way Asio
// starts a read, but doing nothing then), so it uses asio::detail and is tied to the Boost version
// below; the static_assert says where to look when that changes.
//
// Thread affinity: the socket's io_context.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>
#include <memory>

static_assert(BOOST_VERSION / 100 == 1081,
              "readable_wait.hpp relies on Boost 1.81's epoll_reactor::start_op (no re-arm for a "
              "speculative read) and reactive_socket_service_base::base_implementation_type: "
              "re-read them before changing Boost");

namespace llmpace::http {

namespace readable_wait_detail {

namespace asio = boost::asio;

/// A socket's reactor registration, protected in basic_socket: reached through a pointer to
/// member named in a derived class, which the language allows.
struct SocketRegistration : asio::ip::tcp::socket {
  static auto& of(asio::ip::tcp::socket& socket) {
    return (socket.*(&SocketRegistration::impl_)).get_implementation();
  }
};

/// True on this thread while a wait is being started: start_op's speculative try of the
/// operation, which must not complete it (the caller has just seen the socket empty).
inline thread_local bool starting_a_wait = false;

/// The wait with its completion handler, as Asio's reactive_wait_op keeps it.
template <typename Handler, typename IoExecutor>
class ReadableWait : public asio::detail::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(ReadableWait);

  ReadableWait(Handler& handler, const IoExecutor& io_executor)
      : reactor_op(boost::system::error_code(), &ReadableWait::do_perform,
                   &ReadableWait::do_complete),
        handler_(std::move(handler)),
        work_(handler_, io_executor) {}

  static status do_perform(reactor_op* /*unused*/) {
    // An event (or an error) on the socket ends the wait; the try as it starts does not.
    return starting_a_wait ? not_done : done;
  }

  static void do_complete(void* owner, asio::detail::operation* base,
                          const boost::system::error_code& /*unused*/, std::size_t /*unused*/) {
    auto* wait = static_cast<ReadableWait*>(base);
    ptr p = {std::addressof(wait->handler_), wait, wait};
    asio::detail::handler_work<Handler, IoExecutor> work(std::move(wait->work_));
    // The handler is moved out before the operation's memory is freed (it may own that memory).
    asio::detail::binder1<Handler, boost::system::error_code> bound(wait->handler_, wait->ec_);
    p.h = std::addressof(bound.handler_);
    p.reset();
    if (owner) {
      asio::detail::fenced_block fence(asio::detail::fenced_block::half);
      work.complete(bound, bound.handler_);
    }
  }

 private:
  Handler handler_;
  asio::detail::handler_work<Handler, IoExecutor> work_;
};

}  // namespace readable_wait_detail

/// The reactor of `executor`'s io_context, which async_wait_readable queues on. Look it up once
/// (it takes a lock) and keep it for the context's lifetime.
inline boost::asio::detail::reactor& reactor_of(const boost::asio::any_io_executor& executor) {
  return boost::asio::use_service<boost::asio::detail::reactor>(
      boost::asio::query(executor, boost::asio::execution::context));
}

/// Completes with an error_code once `reactor` reports `socket` readable (see the contract
/// above). The socket must belong to `reactor`'s io_context.
template <typename Token>
auto async_wait_readable(boost::asio::ip::tcp::socket& socket,
                         boost::asio::detail::reactor& reactor, Token&& token) {
  namespace asio = boost::asio;
  auto initiation = [&socket, &reactor](auto handler) {
    using Handler = decltype(handler);
    using Wait = readable_wait_detail::ReadableWait<Handler, asio::any_io_executor>;
    auto& registration = readable_wait_detail::SocketRegistration::of(socket);
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    typename Wait::ptr p = {std::addressof(handler), Wait::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Wait(handler, socket.get_executor());
    // As a read op with speculation allowed: queued without EPOLL_CTL_MOD (a write op, or any op
    // without speculation, would re-arm the descriptor).
    readable_wait_detail::starting_a_wait = true;
    reactor.start_op(asio::detail::reactor::read_op, registration.socket_,
                     registration.reactor_data_, p.p, is_continuation,
                     /*allow_speculative=*/true);
    readable_wait_detail::starting_a_wait = false;
    p.v = p.p = nullptr;
  };
  return asio::async_initiate<Token, void(boost::system::error_code)>(initiation, token);
}

}  // namespace llmpace::http
