// Hands queued watch events to unix sockets in turns, a few connections at a
// time, instead of one write per event the moment it fires.
//
// One write to a watched subtree can fire an event on every connection: with
// 100 watchers, 100 socket writes before the writer's next request is even
// read. Deferring event-only output to this scheduler lets the writer's
// reply go out at once, lets the event loop read more requests between
// turns, and lets the events those requests fire join the ones still
// waiting on the same connection, so each connection gets one gathered
// write per turn instead of one write per event. On an idle daemon the first
// turn runs right after the request that fired the events, so an event's
// delay is one pass of the event loop; under load it is at most one round
// over the connections with events waiting. Order per connection is kept:
// the connection's queue is one FIFO for replies and events alike, and a
// reply flushes the events ahead of it.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace cxxenstored::connection {

class Connection;

class EventFlushScheduler {
 public:
  // Connections flushed per turn; the event loop reads ready sockets
  // between turns.
  static constexpr std::size_t kConnectionsPerTurn = 8;

  explicit EventFlushScheduler(boost::asio::any_io_executor executor);
  ~EventFlushScheduler();
  EventFlushScheduler(const EventFlushScheduler&) = delete;
  EventFlushScheduler& operator=(const EventFlushScheduler&) = delete;

  // The connection has events waiting: it gets its flush_events() call in a
  // later turn. The caller schedules each connection once until that call.
  void schedule(std::weak_ptr<Connection> connection);

 private:
  void post_turn();
  void run_turn();

  boost::asio::any_io_executor executor_;
  std::deque<std::weak_ptr<Connection>> waiting_;
  bool turn_posted_ = false;
  // Turns posted before this scheduler went away must not touch it.
  std::shared_ptr<EventFlushScheduler*> self_ = std::make_shared<EventFlushScheduler*>(this);
};

}  // namespace cxxenstored::connection
