#include "cxxenstored/connection/connection.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>

#include "cxxenstored/protocol/errors.h"

namespace cxxenstored::connection {
namespace {

// Replies to requests that arrived together leave in groups of this many,
// not all at the end of the batch. The first group wakes the client while
// the rest are still being computed, so it reads them and sends its next
// requests in the meantime, instead of sleeping until the whole batch is
// done and leaving the daemon idle while it wakes up (microseconds, tens
// of them on some virtual machines). Groups this size still spread a
// write's system call over many replies. docs/performance.md, "Replies in
// groups".
constexpr unsigned kRepliesPerWrite = 16;

// The errno an XS_ERROR reply carries ("ENOENT\0").
int error_of(std::string_view payload) {
  if (!payload.empty() && payload.back() == '\0') payload.remove_suffix(1);
  return protocol::error_number(payload).value_or(EINVAL);
}

observability::Transport metrics_transport(TransportKind kind) {
  return kind == TransportKind::kSocket ? observability::Transport::kSocket
                                        : observability::Transport::kRing;
}

}  // namespace

Connection::Connection(protocol::SessionId id, std::unique_ptr<Transport> transport,
                       protocol::Engine& engine, ConnectionOptions options, TraceSink* trace,
                       std::function<void(protocol::SessionId)> on_closed)
    : id_(id),
      transport_(std::move(transport)),
      kind_(transport_->kind()),
      engine_(engine),
      options_(options),
      trace_(trace),
      closed_callback_(std::move(on_closed)),
      outstanding_(std::make_shared<OutstandingRequests>()) {
  if (options_.clock) {
    alarm_ = options_.clock->make_alarm();
    throttle_alarm_ = options_.clock->make_alarm();
  }
}

Connection::~Connection() {
  if (session_open_) engine_.close_session(id_);
}

void Connection::share_outstanding(std::shared_ptr<OutstandingRequests> outstanding) {
  if (!session_open_ && outstanding) outstanding_ = std::move(outstanding);
}

void Connection::start(const store::Caller& caller) {
  domain_ = caller.domain;
  privileged_ = caller.privileged;
  engine_.open_session(id_, caller);
  session_open_ = true;
  if (trace_) trace_->connection_created(this);
  // Handlers hold only weak references: the connection set owns us.
  std::weak_ptr<Connection> weak = weak_from_this();
  Transport::Handlers handlers;
  handlers.on_data = [weak](std::string_view bytes) {
    if (auto self = weak.lock()) self->on_data(bytes);
  };
  handlers.on_drained = [weak] {
    if (auto self = weak.lock()) self->on_drained();
  };
  handlers.on_progress = [weak] {
    if (auto self = weak.lock()) self->on_progress();
  };
  handlers.on_closed = [weak](CloseReason reason) {
    if (auto self = weak.lock()) self->on_closed(reason);
  };
  transport_->start(std::move(handlers));
}

const protocol::Limits& Connection::limits() const {
  static const protocol::Limits kDefaults{};
  return options_.limits ? *options_.limits : kDefaults;
}

Clock::TimePoint Connection::now() const {
  return options_.clock ? options_.clock->now() : std::chrono::steady_clock::now();
}

std::size_t Connection::window() const {
  return kind_ == TransportKind::kSocket ? options_.socket_window : options_.ring_window;
}

bool Connection::output_full() const { return pending_output() > options_.output_high_water; }

bool Connection::at_outstanding_quota() const {
  // As the C daemon's domain_can_read: rings only, privileged domains exempt.
  return kind_ == TransportKind::kRing && !privileged_ &&
         outstanding_->count(domain_) >= limits().outstanding_requests;
}

void Connection::send(protocol::Message message) {
  if (closed_) return;
  const bool event = message.type() == XS_WATCH_EVENT;
  if (running_request_ && !event && message.type() == XS_ERROR) reply_error_ = error_of(message.payload);
  Outgoing out;
  out.event = event;
  if (event) {
    // An event's header follows from its payload: equal payloads, equal events.
    out.hash = std::hash<std::string>{}(message.payload);
    // The C daemon keeps one of identical pending events: the peer learns
    // the same thing from it ("@" events are each a fact of their own).
    if (!message.payload.empty() && message.payload[0] != '@' && already_queued(message.payload, out.hash))
      return;
    if (pending_output() > options_.event_queue_limit) {
      drop_event("not reading its output, dropping watch events", logged_queue_drop_);
      return;
    }
    ++queued_event_hashes_[out.hash];
  }
  // The running request's reply, and every event it causes anywhere, keep
  // it outstanding.
  if (event || running_request_) out.ticket = outstanding_->current();
  if (trace_) trace_->io(true, this, message);
  out.head = protocol::header_bytes(message.header, message.payload.size());
  out.body = std::move(message.payload);
  const unsigned timeout_s = limits().watch_event_timeout_s;
  if (event && !privileged_ && timeout_s > 0) out.deadline = now() + std::chrono::seconds(timeout_s);
  const std::optional<Clock::TimePoint> deadline = out.deadline;
  queued_bytes_ += out.size();
  queue_.push_back(std::move(out));
  if (event && options_.event_flush && kind_ == TransportKind::kSocket) {
    if (!events_scheduled_) {
      events_scheduled_ = true;
      options_.event_flush->schedule(weak_from_this());
    }
  } else {
    pump();
  }
  if (deadline && alarm_ && !alarm_at_ && !queue_.empty()) {
    std::weak_ptr<Connection> weak = weak_from_this();
    alarm_at_ = *deadline;
    alarm_->set(*deadline, [weak] {
      if (auto self = weak.lock()) self->on_alarm();
    });
  }
}

void Connection::drop_event(const char* why, bool& logged) {
  ++dropped_events_;
  if (options_.metrics) options_.metrics->count_watch_event(domain_, false);
  if (!logged) {
    logged = true;
    spdlog::warn("{} (domain {}): {}", transport_->describe(), domain_, why);
  }
}

void Connection::flush_events() {
  OutstandingRequests::Scope scope(*outstanding_);
  events_scheduled_ = false;
  if (closed_) return;
  pump();
}

void Connection::pump() {
  if (pumping_ || closed_) return;
  pumping_ = true;
  settle();
  for (;;) {
    // Everything handed over in one round leaves in one gathered write.
    transport_->cork();
    // Replies go straight on (the peer asked for them, and the output bound
    // stops the requests that make them); events only while the transport
    // is below its window, so that those the peer is slow to take stay
    // here, droppable. Order is kept: a reply waits behind queued events.
    while (!queue_.empty() && !closed_ &&
           (!queue_.front().event || transport_->pending_output() < window())) {
      Outgoing out = take_front();
      // Without an alarm, late events are caught here instead.
      if (out.deadline && *out.deadline <= now()) {
        drop_event("not reading its watch events, dropping those older than the watch-event timeout",
                   logged_timeout_drop_);
        continue;
      }
      const std::size_t size = out.size();
      handed_total_ += size;
      if (out.ticket) in_flight_.push_back({handed_total_, std::move(out.ticket)});
      if (options_.metrics) {
        options_.metrics->count_bytes(domain_, metrics_transport(kind_), 0, size);
        if (out.event) options_.metrics->count_watch_event(domain_, true);
      }
      transport_->send_message(std::string_view(out.head.data(), out.head.size()), std::move(out.body));
    }
    transport_->uncork();
    // A socket with room takes the round before uncork() returns, and then
    // no drain is reported later: what the window held back goes now.
    if (closed_ || queue_.empty() || transport_->pending_output() >= window()) break;
  }
  // Likewise what left at once is no longer outstanding.
  settle();
  pumping_ = false;
}

bool Connection::already_queued(const std::string& body, std::size_t hash) const {
  auto it = queued_event_hashes_.find(hash);
  if (it == queued_event_hashes_.end()) return false;
  for (const auto& out : queue_)
    if (out.event && out.hash == hash && out.body == body) return true;
  return false;  // a hash collision only
}

Connection::Outgoing Connection::take_front() {
  Outgoing out = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= out.size();
  if (out.event) {
    auto it = queued_event_hashes_.find(out.hash);
    if (it != queued_event_hashes_.end() && --it->second == 0) queued_event_hashes_.erase(it);
  }
  return out;
}

void Connection::clear_queue() {
  queue_.clear();
  queued_bytes_ = 0;
  queued_event_hashes_.clear();
  in_flight_.clear();
}

void Connection::settle() {
  if (in_flight_.empty()) return;
  const std::uint64_t taken = handed_total_ - transport_->pending_output();
  while (!in_flight_.empty() && in_flight_.front().end <= taken) in_flight_.pop_front();
}

void Connection::on_alarm() {
  OutstandingRequests::Scope scope(*outstanding_);
  alarm_at_.reset();
  if (closed_) return;
  expire_events();
  maybe_resume();
}

void Connection::expire_events() {
  const Clock::TimePoint t = now();
  std::deque<Outgoing> kept;
  std::optional<Clock::TimePoint> next;
  for (auto& out : queue_) {
    if (out.deadline && *out.deadline <= t) {
      queued_bytes_ -= out.size();
      if (auto it = queued_event_hashes_.find(out.hash);
          it != queued_event_hashes_.end() && --it->second == 0)
        queued_event_hashes_.erase(it);
      drop_event("not reading its watch events, dropping those older than the watch-event timeout",
                 logged_timeout_drop_);
      continue;
    }
    if (out.deadline && (!next || *out.deadline < *next)) next = out.deadline;
    kept.push_back(std::move(out));
  }
  queue_ = std::move(kept);
  if (next && alarm_) {
    std::weak_ptr<Connection> weak = weak_from_this();
    alarm_at_ = *next;
    alarm_->set(*next, [weak] {
      if (auto self = weak.lock()) self->on_alarm();
    });
  }
}

void Connection::on_data(std::string_view bytes) {
  OutstandingRequests::Scope scope(*outstanding_);
  if (options_.metrics) options_.metrics->count_bytes(domain_, metrics_transport(kind_), bytes.size(), 0);
  decoder_.feed(bytes);
  pump();  // also notes what the peer took meanwhile
  process();
}

void Connection::process() {
  if (processing_) return;  // a reply delivered during handle() re-enters
  processing_ = true;
  auto self = shared_from_this();
  // Replies to requests that arrived together (pipelined) leave together,
  // kRepliesPerWrite at a time.
  transport_->cork();
  unsigned answered = 0;
  while (!closed_) {
    if (output_full()) {
      if (!input_paused()) transport_->pause_input();
      paused_for_output_ = true;
      break;
    }
    if (at_outstanding_quota()) {
      if (!paused_for_quota_) {
        if (!input_paused()) transport_->pause_input();
        paused_for_quota_ = true;
        if (options_.metrics)
          options_.metrics->count_quota_hit(domain_, observability::QuotaKind::kOutstanding);
      }
      std::weak_ptr<Connection> weak = weak_from_this();
      outstanding_->wait(domain_, id_, [weak] {
        if (auto conn = weak.lock()) conn->on_outstanding_released();
      });
      break;
    }
    // A domain whose writes keep failing others' transactions waits, as
    // oxenstored makes it wait, so its victims get through meanwhile.
    if (throttle_alarm_ && decoder_.buffered() >= protocol::kHeaderSize) {
      if (auto delay = engine_.input_delay(id_)) {
        defer_input(*delay);
        break;
      }
    }
    if (!decoder_.next(request_)) break;
    run(request_);
    if (++answered % kRepliesPerWrite == 0) {
      transport_->uncork();
      transport_->cork();
    }
  }
  transport_->uncork();
  processing_ = false;
  // What the window held back while corked, and what left at uncork().
  if (!closed_ && (!queue_.empty() || !in_flight_.empty())) pump();
  // Output that filled up while corked may have left at uncork() at once,
  // with no drain reported to resume on.
  if (paused_for_output_ && !closed_ && !output_full()) maybe_resume();
  if (decoder_.broken() && !closed_) {
    // A payload above XENSTORE_PAYLOAD_MAX: the C daemon drops the client.
    spdlog::warn("{}: message longer than {} bytes, closing", transport_->describe(),
                 protocol::kPayloadMax);
    close();
  }
}

void Connection::run(const protocol::Message& request) {
  if (trace_) trace_->io(false, this, request);
  const Clock::TimePoint started = now();
  // Outstanding from now until its reply and events are handed over; the
  // C daemon counts ring connections only.
  std::shared_ptr<OutstandingRequests::Ticket> ticket;
  if (kind_ == TransportKind::kRing) ticket = outstanding_->open(domain_);
  outstanding_->set_current(std::move(ticket));
  running_request_ = true;
  reply_error_ = 0;
  engine_.handle(id_, request);
  running_request_ = false;
  outstanding_->set_current(nullptr);
  if (options_.metrics)
    options_.metrics->count_request(domain_, request.type(), reply_error_,
                                    std::chrono::duration_cast<std::chrono::nanoseconds>(now() - started));
}

void Connection::on_drained() {
  OutstandingRequests::Scope scope(*outstanding_);
  if (closed_) return;
  pump();
  maybe_resume();
}

void Connection::on_progress() {
  OutstandingRequests::Scope scope(*outstanding_);
  if (closed_) return;
  settle();  // requests whose replies left are no longer outstanding
  maybe_resume();
}

void Connection::on_outstanding_released() {
  OutstandingRequests::Scope scope(*outstanding_);
  if (closed_) return;
  settle();
  maybe_resume();
}

void Connection::defer_input(Clock::TimePoint::duration delay) {
  if (!input_paused()) transport_->pause_input();
  if (paused_for_throttle_) return;
  paused_for_throttle_ = true;
  std::weak_ptr<Connection> weak = weak_from_this();
  throttle_alarm_->set(now() + delay, [weak] {
    if (auto self = weak.lock()) self->on_throttle_over();
  });
}

void Connection::on_throttle_over() {
  OutstandingRequests::Scope scope(*outstanding_);
  if (closed_ || !paused_for_throttle_) return;
  paused_for_throttle_ = false;
  // Still paused for another reason: that one's resume reads on.
  if (input_paused()) return;
  transport_->resume_input();
  process();  // throttled again (more conflicts meanwhile): defers again
}

void Connection::maybe_resume() {
  if (closed_ || !input_paused()) return;
  if (paused_for_output_ && !output_full()) paused_for_output_ = false;
  if (paused_for_quota_ && !at_outstanding_quota()) {
    paused_for_quota_ = false;
    outstanding_->stop_waiting(domain_, id_);
  }
  if (paused_for_quota_) {
    // Wake-ups are one-shot: still at the quota, so wait for the next one.
    std::weak_ptr<Connection> weak = weak_from_this();
    outstanding_->wait(domain_, id_, [weak] {
      if (auto conn = weak.lock()) conn->on_outstanding_released();
    });
  }
  if (input_paused()) return;
  transport_->resume_input();
  process();
}

void Connection::restore_io(std::string pending_input, std::string pending_output) {
  OutstandingRequests::Scope scope(*outstanding_);
  if (!pending_output.empty()) {
    handed_total_ += pending_output.size();
    transport_->send(std::move(pending_output));
  }
  if (!pending_input.empty()) {
    decoder_.feed(pending_input);
    process();
  }
}

std::string Connection::queued_output() const {
  std::string bytes;
  bytes.reserve(queued_bytes_);
  for (const auto& out : queue_) {
    bytes.append(out.head.data(), out.head.size());
    bytes += out.body;
  }
  return bytes;
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  // What the peer never took is gone with it (and no longer outstanding).
  clear_queue();
  if (alarm_) alarm_->cancel();
  if (throttle_alarm_) throttle_alarm_->cancel();
  transport_->close();
}

void Connection::on_closed(CloseReason reason) {
  OutstandingRequests::Scope scope(*outstanding_);
  closed_ = true;
  clear_queue();
  if (alarm_) alarm_->cancel();
  if (throttle_alarm_) throttle_alarm_->cancel();
  outstanding_->stop_waiting(domain_, id_);
  if (reason == CloseReason::kIoError || reason == CloseReason::kProtocolError)
    spdlog::info("{}: connection lost", transport_->describe());
  if (session_open_) {
    engine_.close_session(id_);
    session_open_ = false;
  }
  if (trace_) trace_->connection_destroyed(this);
  auto callback = std::move(closed_callback_);
  if (callback) callback(id_);
}

}  // namespace cxxenstored::connection
