// How long the event loop keeps polling for new work before it sleeps.
//
// A request that arrives while the daemon sleeps in epoll_wait pays for a
// wake-up: the scheduler, and on a virtual machine an inter-processor
// interrupt and often a VM exit, several microseconds that dominate a small
// request's round trip. A client that sends its next request a few
// microseconds after our reply (a toolstack walking a tree, a transaction's
// next step) finds the daemon still awake if it polls a little while before
// sleeping. The window adapts like KVM's halt polling (halt_poll_ns): it
// grows while the idle periods are short enough for polling to catch their
// end, and shrinks when they are longer than polling may last, so an idle or
// lightly loaded daemon goes back to sleeping at once.
#pragma once

#include <chrono>

namespace cxxenstored::daemon {

class PollWindow {
 public:
  using Duration = std::chrono::nanoseconds;

  // No polling at all when `limit` is zero.
  explicit PollWindow(Duration limit) : limit_(limit) {}

  // How long to poll before sleeping, at the start of an idle period.
  Duration current() const { return window_; }
  Duration limit() const { return limit_; }

  // An idle period ended after `idle` (polling and sleeping together): new
  // work arrived.
  void idle_ended(Duration idle);

  // Other tasks want the CPUs (RunQueueProbe): polling would take the time
  // from them. Back to sleeping at once, and for the next
  // kContendedIdlePeriods idle periods.
  void contended() {
    window_ = Duration::zero();
    holdoff_ = kContendedIdlePeriods;
  }

  static constexpr int kContendedIdlePeriods = 256;

 private:
  // The first window after polling was off: short, so that a daemon which is
  // mostly idle spends little on it.
  Duration first_window() const;

  Duration limit_;
  Duration window_{0};
  int holdoff_ = 0;  // idle periods left without polling after contention
};

}  // namespace cxxenstored::daemon
