#include "llmpace/sim/serve_until_signal.hpp"

#include <pthread.h>

#include <csignal>

namespace llmpace::sim {

int serve_until_signal(SimServer& server, const std::function<void()>& on_listening) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  server.start();
  on_listening();
  int received = 0;
  sigwait(&stop_signals, &received);
  server.stop();
  return received;
}

}  // namespace llmpace::sim
