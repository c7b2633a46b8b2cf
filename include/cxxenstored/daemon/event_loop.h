// Runs the daemon's one event loop, polling briefly before it sleeps
// (PollWindow says how long).
#pragma once

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "cxxenstored/connection/loop_idleness.h"
#include "cxxenstored/observability/metrics.h"

namespace cxxenstored::daemon {

// Polling pays only when another CPU can run the client meanwhile: with one
// CPU it would delay the very client whose request it waits for.
bool polling_can_help();

// Runs `io` until it is stopped or out of work, like io_context::run(); with
// a non-zero `poll_limit` it polls for new work for up to that long (as
// PollWindow adapts it) before each sleep, and counts how each polled idle
// period ended in `metrics` (if given), and marks in `idleness` (if given)
// each moment it found nothing to do.
void run_event_loop(boost::asio::io_context& io, std::chrono::nanoseconds poll_limit,
                    observability::Metrics* metrics = nullptr, connection::LoopIdleness* idleness = nullptr);

}  // namespace cxxenstored::daemon
