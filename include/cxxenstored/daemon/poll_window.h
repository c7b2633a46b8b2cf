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

  // What RunQueueProbe answered before this idle period's poll: whether
  // other tasks want the CPUs, so that polling would take the time from
  // them. A run of kCrowdedProbes such answers in a row stops polling, for
  // this and the next kContendedIdlePeriods idle periods; true if it did.
  // One answer alone does not: a task that runs for a moment (a kworker, a
  // timer, the client between two requests) crowds the count now and then
  // on a busy machine, and each time the daemon slept through 256 requests
  // that polling would have caught, each paying a wake-up (8% of one
  // client's reads on a 2-vCPU VM: docs/performance.md, "Runs of
  // 2026-12-07, 06:53-08:54 UTC").
  bool probed(bool crowded) {
    if (!crowded) {
      crowded_streak_ = 0;
      return false;
    }
    if (++crowded_streak_ < kCrowdedProbes) return false;
    contended();
    return true;
  }

  // Other tasks want the CPUs: back to sleeping at once, and for the next
  // kContendedIdlePeriods idle periods.
  void contended() {
    window_ = Duration::zero();
    holdoff_ = kContendedIdlePeriods;
    crowded_streak_ = 0;
  }

  static constexpr int kContendedIdlePeriods = 256;
  static constexpr int kCrowdedProbes = 4;

 private:
  // The first window after polling was off: short, so that a daemon which is
  // mostly idle spends little on it.
  Duration first_window() const;

  Duration limit_;
  Duration window_{0};
  int holdoff_ = 0;  // idle periods left without polling after contention
  int crowded_streak_ = 0;  // crowded answers in a row
};

}  // namespace cxxenstored::daemon
