#include "cxxenstored/connection/outstanding_requests.h"

#include <utility>

namespace cxxenstored::connection {

OutstandingRequests::Ticket::~Ticket() {
  if (auto owner = owner_.lock()) owner->release(domain_);
}

std::shared_ptr<OutstandingRequests::Ticket> OutstandingRequests::open(store::DomainId domain) {
  ++counts_[domain];
  return std::make_shared<Ticket>(weak_from_this(), domain);
}

std::size_t OutstandingRequests::count(store::DomainId domain) const {
  auto it = counts_.find(domain);
  return it == counts_.end() ? 0 : it->second;
}

void OutstandingRequests::wait(store::DomainId domain, protocol::SessionId session,
                               std::function<void()> wake) {
  if (shut_down_) return;
  waiters_[domain].insert_or_assign(session, std::move(wake));
}

void OutstandingRequests::stop_waiting(store::DomainId domain, protocol::SessionId session) {
  auto it = waiters_.find(domain);
  if (it == waiters_.end()) return;
  it->second.erase(session);
  if (it->second.empty()) waiters_.erase(it);
}

void OutstandingRequests::shut_down() {
  shut_down_ = true;
  waiters_.clear();
  woken_.clear();
}

void OutstandingRequests::release(store::DomainId domain) {
  auto it = counts_.find(domain);
  if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  if (waiters_.count(domain) != 0) woken_.push_back(domain);
  // Outside any entry (a connection destroyed at shutdown): nobody runs
  // requests right now, so the waiters can be called at once.
  if (depth_ == 0) dispatch();
}

void OutstandingRequests::dispatch() {
  if (dispatching_) return;
  dispatching_ = true;
  auto self = shared_from_this();
  ++depth_;  // releases caused by the woken connections queue up here
  while (!woken_.empty()) {
    const store::DomainId domain = woken_.back();
    woken_.pop_back();
    auto it = waiters_.find(domain);
    if (it == waiters_.end()) continue;
    auto waiting = std::move(it->second);
    waiters_.erase(it);
    for (auto& [session, wake] : waiting) wake();
  }
  --depth_;
  dispatching_ = false;
}

}  // namespace cxxenstored::connection
