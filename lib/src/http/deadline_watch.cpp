#include "deadline_watch.hpp"

#include <boost/asio/steady_timer.hpp>

namespace llmpace::http {

namespace asio = boost::asio;

struct DeadlineWatch::State {
  explicit State(asio::any_io_executor executor) : timer(std::move(executor)) {}

  asio::steady_timer timer;
  asio::ip::tcp::socket* socket = nullptr;  // null outside start()..stop()
  TimePoint total_deadline;
  TimePoint idle_deadline;
  Nanoseconds idle{};
  bool expired = false;
  bool total_deadline_passed = false;

  [[nodiscard]] TimePoint due() const {
    return total_deadline < idle_deadline ? total_deadline : idle_deadline;
  }
};

DeadlineWatch::DeadlineWatch(asio::any_io_executor executor)
    : state_(std::make_shared<State>(std::move(executor))) {}

DeadlineWatch::~DeadlineWatch() { stop(); }

void DeadlineWatch::arm(const std::shared_ptr<State>& state) {
  state->timer.expires_at(state->due());
  // The handler shares the state: a watch destroyed while the wait is pending leaves it valid.
  state->timer.async_wait([state](const boost::system::error_code& error) {
    // Cancelled (stop(), or a re-arm for a later exchange), or nothing is being watched.
    if (error || state->socket == nullptr) return;
    const TimePoint now = SteadyClock::now();
    if (now < state->due()) {
      arm(state);  // the deadline moved on since the timer was set
      return;
    }
    state->expired = true;
    state->total_deadline_passed = state->total_deadline <= state->idle_deadline;
    boost::system::error_code ignored;
    state->socket->cancel(ignored);
  });
}

void DeadlineWatch::start(asio::ip::tcp::socket& socket, TimePoint total_deadline,
                          Nanoseconds idle) {
  State& state = *state_;
  state.socket = &socket;
  state.total_deadline = total_deadline;
  state.idle = idle;
  state.idle_deadline = SteadyClock::now() + idle;
  state.expired = false;
  state.total_deadline_passed = false;
  arm(state_);
}

void DeadlineWatch::touch(TimePoint now) { state_->idle_deadline = now + state_->idle; }

void DeadlineWatch::stop() {
  if (state_->socket == nullptr) return;
  state_->socket = nullptr;
  state_->timer.cancel();
}

bool DeadlineWatch::expired() const { return state_->expired; }

bool DeadlineWatch::total_deadline_passed() const { return state_->total_deadline_passed; }

}  // namespace llmpace::http
