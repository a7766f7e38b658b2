// serve_until_signal: run a SimServer as a process's whole job, until SIGINT or SIGTERM.
//
// Blocks the two signals before the server's io threads start (they inherit the mask, so no
// handler ever runs on an io thread mid-write), restores their default disposition (a shell starts
// background jobs with SIGINT ignored, and sigwait() never sees an ignored signal), starts the
// server, calls `on_listening`, then waits for a signal and stops the server.
//
// Thread affinity: call from the process's main thread, before it has created any other thread.
#pragma once

#include <functional>

#include "llmpace/sim/sim_server.hpp"

namespace llmpace::sim {

/// Returns the signal that ended the wait. Exceptions from start() (RunError) propagate.
int serve_until_signal(SimServer& server, const std::function<void()>& on_listening);

}  // namespace llmpace::sim
