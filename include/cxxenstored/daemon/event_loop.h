// Runs the daemon's one event loop, polling briefly before it sleeps
// (PollWindow says how long).
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "cxxenstored/connection/loop_idleness.h"
#include "cxxenstored/connection/uring_queue.h"
#include "cxxenstored/observability/metrics.h"

namespace cxxenstored::daemon {

// Polling pays only when another CPU can run the client meanwhile: with one
// CPU it would delay the very client whose request it waits for.
bool polling_can_help();

// What the loop reports to, and polls besides `io` (each may be null).
struct EventLoopParts {
  observability::Metrics* metrics = nullptr;       // how each polled idle period ended
  connection::LoopIdleness* idleness = nullptr;    // each moment it found nothing to do
  connection::UringQueue* uring = nullptr;         // polled each turn; the loop sleeps in it
};

// Runs `io` until it is stopped or out of work, like io_context::run(); with
// a non-zero `poll_limit` it polls for new work for up to that long (as
// PollWindow adapts it) before each sleep. With a uring queue it runs
// until `io` is stopped.
void run_event_loop(boost::asio::io_context& io, std::chrono::nanoseconds poll_limit, EventLoopParts parts = {});

}  // namespace cxxenstored::daemon
