#include "cxxenstored/daemon/event_loop.h"

#include "cxxenstored/daemon/poll_window.h"
#include "cxxenstored/daemon/run_queue_probe.h"

namespace cxxenstored::daemon {

bool polling_can_help() { return usable_cpus() >= 2; }

void run_event_loop(boost::asio::io_context& io, std::chrono::nanoseconds poll_limit, EventLoopParts parts) {
  if (poll_limit <= std::chrono::nanoseconds::zero() && parts.uring == nullptr) {
    io.run();
    return;
  }
  auto* const metrics = parts.metrics;
  auto* const idleness = parts.idleness;
  auto* const uring = parts.uring;
  // One non-blocking look at everything: Asio's handlers (one epoll_wait),
  // then the ring's shared memory.
  const auto poll_once = [&io, uring] {
    std::size_t ran = io.poll();
    if (uring != nullptr && uring->poll()) ++ran;
    return ran;
  };
  // Sleeps until something comes and runs it; false once `io` is stopped
  // or out of work. With the ring, it sleeps in the ring (UringQueue says
  // why), woken by Asio's events as well.
  const auto sleep = [&io, uring]() -> bool {
    if (uring == nullptr) return io.run_one() != 0;
    uring->sleep();
    io.poll();
    return !io.stopped();
  };
  using Clock = std::chrono::steady_clock;
  using observability::PollOutcome;
  const auto count = [metrics](PollOutcome outcome) {
    if (metrics) metrics->count_poll(outcome);
  };
  const auto note_idle = [idleness](bool idle) {
    if (idleness) idleness->set_was_idle(idle);
  };
  PollWindow window(poll_limit);
  const RunQueueProbe run_queue;
  for (;;) {
    // Asked only when about to poll (it is a system call), and before the
    // poll, when the client is still busy with our last reply.
    if (window.current() > std::chrono::nanoseconds::zero() && window.probed(run_queue.crowded()))
      count(PollOutcome::kWithheld);
    // One idle period: first what is ready at once (a backlog: not an idle
    // moment); then poll (each poll() is one non-blocking epoll_wait and
    // runs whatever it finds), then sleep until something arrives. With a
    // zero window it goes from the backlog to run_one(), which sleeps only
    // if nothing is queued.
    const bool polling = window.current() > std::chrono::nanoseconds::zero();
    const auto idle_start = Clock::now();
    const auto poll_until = idle_start + window.current();
    note_idle(false);
    std::size_t ran = poll_once();
    if (io.stopped()) return;
    if (ran == 0) note_idle(true);
    while (ran == 0 && Clock::now() < poll_until) {
      ran = poll_once();
      if (io.stopped()) return;
    }
    if (polling) count(ran > 0 ? PollOutcome::kCaught : PollOutcome::kSlept);
    if (ran == 0 && !sleep()) return;
    window.idle_ended(Clock::now() - idle_start);
  }
}

}  // namespace cxxenstored::daemon
