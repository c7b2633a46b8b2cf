// The outstanding-requests count per domain (-Q outstanding=, 20), as the
// C daemon (4.17) keeps it: a request from a ring connection is outstanding
// from the moment it is executed until its reply has been handed to the
// ring and every watch event it caused (on any connection) has been handed
// over or dropped. An unprivileged domain at the quota is not read from
// until the count drops (Connection does that part).
//
// A request is represented by a shared Ticket: its reply and each event it
// caused hold a reference, and the count drops when the last one goes.
//
// Waking a paused connection runs requests, which must not happen inside
// another connection's request or callback chain; releases are therefore
// collected and the waiting connections called when the outermost Scope
// (one per entry from the event loop into the connection layer) ends.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/store/path.h"

namespace cxxenstored::connection {

class OutstandingRequests : public std::enable_shared_from_this<OutstandingRequests> {
 public:
  class Ticket {
   public:
    Ticket(std::weak_ptr<OutstandingRequests> owner, store::DomainId domain)
        : owner_(std::move(owner)), domain_(domain) {}
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    std::weak_ptr<OutstandingRequests> owner_;
    store::DomainId domain_;
  };

  // Marks one entry from the event loop; wake-ups run when the outermost
  // one ends.
  class Scope {
   public:
    explicit Scope(OutstandingRequests& owner) : owner_(owner.shared_from_this()) { ++owner_->depth_; }
    ~Scope() {
      if (--owner_->depth_ == 0) owner_->dispatch();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::shared_ptr<OutstandingRequests> owner_;
  };

  // One more outstanding request of `domain`.
  std::shared_ptr<Ticket> open(store::DomainId domain);
  std::size_t count(store::DomainId domain) const;

  // The request being executed (its reply and events take a reference);
  // null outside requests and for connections that are not charged.
  const std::shared_ptr<Ticket>& current() const { return current_; }
  void set_current(std::shared_ptr<Ticket> ticket) { current_ = std::move(ticket); }

  // Calls `wake` once, after the next release of one of `domain`'s
  // requests (session: replaces that session's earlier registration).
  void wait(store::DomainId domain, protocol::SessionId session, std::function<void()> wake);
  void stop_waiting(store::DomainId domain, protocol::SessionId session);
  // Shutdown: forgets every waiter and calls none any more.
  void shut_down();

 private:
  void release(store::DomainId domain);
  void dispatch();

  std::map<store::DomainId, std::size_t> counts_;
  std::map<store::DomainId, std::map<protocol::SessionId, std::function<void()>>> waiters_;
  std::vector<store::DomainId> woken_;
  std::shared_ptr<Ticket> current_;
  int depth_ = 0;
  bool dispatching_ = false;
  bool shut_down_ = false;
};

}  // namespace cxxenstored::connection
