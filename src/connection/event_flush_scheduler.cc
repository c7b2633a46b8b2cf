#include "cxxenstored/connection/event_flush_scheduler.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "cxxenstored/connection/connection.h"

namespace cxxenstored::connection {

EventFlushScheduler::EventFlushScheduler(boost::asio::any_io_executor executor)
    : executor_(std::move(executor)) {}

EventFlushScheduler::~EventFlushScheduler() { *self_ = nullptr; }

void EventFlushScheduler::schedule(std::weak_ptr<Connection> connection) {
  waiting_.push_back(std::move(connection));
  post_turn();
}

void EventFlushScheduler::post_turn() {
  if (turn_posted_) return;
  turn_posted_ = true;
  // A posted handler runs after the event loop's next look at the sockets:
  // requests that arrived meanwhile are read (and fire their events) first.
  boost::asio::post(executor_, [weak = std::weak_ptr<EventFlushScheduler*>(self_)] {
    if (auto self = weak.lock(); self && *self) (*self)->run_turn();
  });
}

void EventFlushScheduler::run_turn() {
  turn_posted_ = false;
  // Connections scheduled during this turn (a flush can run requests that
  // were waiting for output room) wait for the next one.
  std::size_t budget = std::min(kConnectionsPerTurn, waiting_.size());
  while (budget-- > 0) {
    std::weak_ptr<Connection> weak = std::move(waiting_.front());
    waiting_.pop_front();
    if (auto connection = weak.lock()) connection->flush_events();
  }
  if (!waiting_.empty()) post_turn();
}

}  // namespace cxxenstored::connection
