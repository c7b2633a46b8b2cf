// One client connection: frames requests from its Transport, runs them
// through the Engine in order (pipelined requests are answered in order),
// and queues replies and watch events back.
//
// Output goes through a queue of whole messages kept here. Replies are
// handed to the transport at once; watch events only while the transport
// holds less than a small window (nothing for rings, 64 KiB for sockets),
// so that events the peer has not started to take can still be dropped (a
// reply queued behind such events waits with them: order is kept):
//  * Backpressure: when more than output_high_water bytes wait for the
//    peer, the connection stops reading (and so stops producing replies)
//    until the peer catches up.
//  * Event bound: watch events are produced by other clients' requests, so
//    they cannot be held back that way; once event_queue_limit bytes are
//    pending, further events for the connection are dropped and counted.
//  * Duplicate events (C daemon 4.17): an event identical (path and token)
//    to one still queued here is not queued again; "@" events excepted.
//  * Watch-event timeout (-w watch-event=<s>, C daemon 4.17): for an
//    unprivileged peer, an event still in the queue after that many seconds
//    is dropped and counted (events the peer already started to take stay).
//  * Batched events (sockets, with an EventFlushScheduler): an event waits
//    for the scheduler's next turn instead of being written at once, so
//    events fired by several requests leave in one gathered write; a reply
//    is written at once, with any events queued ahead of it.
//  * Outstanding requests (-Q outstanding=, C daemon 4.17): a ring
//    connection's request counts for its domain until its reply and the
//    events it caused have been handed over (outstanding_requests.h); an
//    unprivileged domain at the quota is not read from until that drops.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "cxxenstored/connection/clock.h"
#include "cxxenstored/connection/event_flush_scheduler.h"
#include "cxxenstored/connection/outstanding_requests.h"
#include "cxxenstored/connection/trace_sink.h"
#include "cxxenstored/connection/transport.h"
#include "cxxenstored/observability/metrics.h"
#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/protocol/limits.h"
#include "cxxenstored/protocol/wire.h"

namespace cxxenstored::connection {

struct ConnectionOptions {
  std::size_t output_high_water = 256 * 1024;
  std::size_t event_queue_limit = 4 * 1024 * 1024;
  // Watch events are handed to the transport only while it holds fewer
  // bytes than this; the rest wait here (droppable, and visibly
  // outstanding). Sockets (dom0, exempt from both rules): enough for one
  // gathered write. Rings: one event at a time, as the C daemon writes
  // them, so that what is not in the ring yet can still time out.
  std::size_t socket_window = 64 * 1024;
  std::size_t ring_window = 1;
  // The daemon's limits (outstanding_requests, watch_event_timeout_s), read
  // at each use: `quota set outstanding` applies at once. nullptr: the
  // defaults (20 requests, 20 s).
  const protocol::Limits* limits = nullptr;
  // Request latency and the watch-event timeout. nullptr: steady_clock for
  // latency, and events only time out when the connection next does
  // something (there is nothing to set an alarm with).
  Clock* clock = nullptr;
  // Counters fed per request, per byte and per watch event; nullptr: none.
  observability::Metrics* metrics = nullptr;
  // Socket connections hand their watch events over in its turns; nullptr
  // (and rings, which take one event at a time anyway): at once.
  EventFlushScheduler* event_flush = nullptr;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // on_closed runs once, after the transport closed and the engine session
  // ended.
  Connection(protocol::SessionId id, std::unique_ptr<Transport> transport,
             protocol::Engine& engine, ConnectionOptions options, TraceSink* trace,
             std::function<void(protocol::SessionId)> on_closed);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Shares the per-domain outstanding-request counts of all connections
  // (ConnectionSet::add does this). Before start().
  void share_outstanding(std::shared_ptr<OutstandingRequests> outstanding);

  // Opens the engine session for caller and starts reading.
  void start(const store::Caller& caller);
  // Queues one message for the peer (replies and events).
  void send(protocol::Message message);
  void close();
  // The EventFlushScheduler's turn: hands over the events waiting here.
  void flush_events();
  // Live update: bytes the old daemon had queued for this peer (sent first,
  // unframed) and bytes it had received but not processed.
  void restore_io(std::string pending_input, std::string pending_output);

  protocol::SessionId id() const { return id_; }
  std::string describe() const { return transport_->describe(); }
  TransportKind kind() const { return kind_; }
  // Watch events dropped: queue bound or watch-event timeout.
  std::uint64_t dropped_events() const { return dropped_events_; }
  bool input_paused() const { return paused_for_output_ || paused_for_quota_ || paused_for_throttle_; }
  // Input stopped because the domain is at its outstanding-requests quota.
  bool paused_for_quota() const { return paused_for_quota_; }
  // Input left unread while the domain is throttled (conflict credit).
  bool paused_for_throttle() const { return paused_for_throttle_; }
  int native_fd() const { return transport_->native_fd(); }
  // Bytes not yet taken by the peer (queued here and in the transport).
  std::size_t pending_output() const { return queued_bytes_ + transport_->pending_output(); }
  std::string pending_input() const { return std::string(decoder_.unconsumed()); }
  // Live update: the messages queued here and not yet handed to the
  // transport, in order (they follow whatever the transport still holds).
  std::string queued_output() const;

 private:
  struct Outgoing {
    // The header apart from the payload: the payload goes to the transport
    // as the handler built it, never copied in behind a header.
    std::array<char, protocol::kHeaderSize> head{};
    std::string body;
    bool event = false;
    std::optional<Clock::TimePoint> deadline;  // watch-event timeout
    std::shared_ptr<OutstandingRequests::Ticket> ticket;
    std::size_t hash = 0;  // of the body, for events (duplicate check)

    std::size_t size() const { return head.size() + body.size(); }
  };
  // Handed to the transport, not known to be taken by the peer yet.
  struct InFlight {
    std::uint64_t end;  // handed_total_ once this message was handed over
    std::shared_ptr<OutstandingRequests::Ticket> ticket;
  };

  void on_data(std::string_view bytes);
  void on_drained();
  void on_progress();
  void on_closed(CloseReason reason);
  void on_alarm();
  void on_outstanding_released();
  // Runs buffered requests until none is complete, output is full or the
  // domain is at its outstanding quota.
  void process();
  void run(const protocol::Message& request);
  bool output_full() const;
  bool at_outstanding_quota() const;
  // Hands queued messages to the transport while it is below its window.
  void pump();
  // Releases what the transport has passed on to the peer.
  void settle();
  // Drops queued events whose deadline passed; re-arms the alarm.
  void expire_events();
  void drop_event(const char* why, bool& logged);
  // Whether an event with this payload is queued here already.
  bool already_queued(const std::string& body, std::size_t hash) const;
  // Takes the front message off the queue (keeping the counts right).
  Outgoing take_front();
  void clear_queue();
  // Resumes input if nothing holds it any more.
  // Leaves input unread for `delay` (the domain is throttled), then reads on.
  void defer_input(Clock::TimePoint::duration delay);
  void on_throttle_over();
  void maybe_resume();
  const protocol::Limits& limits() const;
  Clock::TimePoint now() const;
  std::size_t window() const;

  protocol::SessionId id_;
  std::unique_ptr<Transport> transport_;
  TransportKind kind_;
  protocol::Engine& engine_;
  ConnectionOptions options_;
  TraceSink* trace_;
  std::function<void(protocol::SessionId)> closed_callback_;
  std::shared_ptr<OutstandingRequests> outstanding_;
  std::unique_ptr<Clock::Alarm> alarm_;
  std::optional<Clock::TimePoint> alarm_at_;
  std::unique_ptr<Clock::Alarm> throttle_alarm_;
  protocol::Decoder decoder_;
  protocol::Message request_;  // the request being run; its payload's capacity is reused
  store::DomainId domain_ = 0;
  bool privileged_ = true;
  std::deque<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  // Queued events by hash of their bytes: how many.
  std::unordered_map<std::size_t, std::size_t> queued_event_hashes_;
  std::deque<InFlight> in_flight_;
  std::uint64_t handed_total_ = 0;
  // The request being run: whether its reply was seen, and its errno.
  bool running_request_ = false;
  int reply_error_ = 0;
  bool paused_for_output_ = false;
  bool paused_for_quota_ = false;
  bool paused_for_throttle_ = false;
  bool processing_ = false;
  bool pumping_ = false;
  bool events_scheduled_ = false;  // with options_.event_flush
  bool closed_ = false;
  bool session_open_ = false;
  bool logged_queue_drop_ = false;
  bool logged_timeout_drop_ = false;
  std::uint64_t dropped_events_ = 0;
};

}  // namespace cxxenstored::connection
