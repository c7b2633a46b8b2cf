#include "cxxenstored/xen/ring_transport.h"

#include <boost/asio/post.hpp>

#include <atomic>
#include <string_view>

#include "cxxenstored/xen/ring_queue.h"

namespace cxxenstored::xen {
namespace {

std::uint32_t load_field(std::uint32_t& field) {
  return std::atomic_ref<std::uint32_t>(field).load(std::memory_order_acquire);
}
void store_field(std::uint32_t& field, std::uint32_t value) {
  std::atomic_ref<std::uint32_t>(field).store(value, std::memory_order_release);
}

}  // namespace

std::shared_ptr<RingTransport> RingTransport::create(boost::asio::any_io_executor executor,
                                                     std::shared_ptr<RingMapping> ring,
                                                     std::function<void()> notify_peer,
                                                     std::string description) {
  return std::shared_ptr<RingTransport>(new RingTransport(
      std::move(executor), std::move(ring), std::move(notify_peer), std::move(description)));
}

RingTransport::RingTransport(boost::asio::any_io_executor executor,
                             std::shared_ptr<RingMapping> ring,
                             std::function<void()> notify_peer, std::string description)
    : executor_(std::move(executor)),
      ring_(std::move(ring)),
      notify_peer_(std::move(notify_peer)),
      description_(std::move(description)) {
  // Features are advertised before any byte is produced or consumed, and
  // never withdrawn (xenstore-ring.txt).
  auto* intf = ring_->get();
  std::uint32_t features = load_field(intf->server_features);
  store_field(intf->server_features, features | XENSTORE_SERVER_FEATURE_RECONNECTION |
                                         XENSTORE_SERVER_FEATURE_ERROR);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void RingTransport::start(Handlers handlers) {
  if (state_ != State::kIdle) return;
  handlers_ = std::move(handlers);
  state_ = State::kOpen;
  // The guest may have written before we started listening.
  schedule_process();
}

void RingTransport::send(std::string bytes) {
  if (state_ == State::kClosed || bytes.empty()) return;
  pending_bytes_ += bytes.size();
  output_.push_back(std::move(bytes));
  // Coalesce: every reply queued in this turn of the loop goes out with one
  // notification.
  schedule_process();
}

RingTransport::Unsent RingTransport::unsent_output() const {
  Unsent unsent;
  unsent.bytes.reserve(pending_bytes_);
  for (std::size_t i = 0; i < output_.size(); ++i) {
    std::string_view message = output_[i];
    if (i == 0) message.remove_prefix(output_offset_);
    unsent.bytes.append(message);
  }
  if (!output_.empty() && output_offset_ > 0) unsent.continuation = output_.front().size() - output_offset_;
  return unsent;
}

void RingTransport::resume_input() {
  if (!paused_) return;
  paused_ = false;
  // Requests that arrived while paused already had their notification.
  schedule_process();
}

void RingTransport::close() { finish_later(connection::CloseReason::kLocalClose); }

// Posted, not run here: this is reached from request handlers (RELEASE,
// INTRODUCE), possibly one running on this very connection.
void RingTransport::peer_gone() { finish_later(connection::CloseReason::kPeerClosed); }

void RingTransport::finish_later(connection::CloseReason reason) {
  if (state_ == State::kClosed) return;
  boost::asio::post(executor_, [self = shared_from_this(), on_closed = shut(), reason] {
    if (on_closed) on_closed(reason);
  });
}

void RingTransport::reset_ring() {
  if (!ring_) return;
  auto* intf = ring_->get();
  RingQueue::requests(intf).set_consumer(0);
  RingQueue::requests(intf).set_producer(0);
  RingQueue::responses(intf).set_consumer(0);
  RingQueue::responses(intf).set_producer(0);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  output_.clear();
  output_offset_ = 0;
  pending_bytes_ = 0;
}

void RingTransport::complete_reconnect() {
  if (!ring_) return;
  reset_ring();
  auto* intf = ring_->get();
  store_field(intf->error, XENSTORE_ERROR_NONE);
  // The guest ignores everything but the connection field until it reads
  // CONNECTED, so the empty ring must be visible first.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  store_field(intf->connection, XENSTORE_CONNECTED);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (notify_peer_) notify_peer_();
}

bool RingTransport::reconnect_requested() const {
  return ring_ && ring_reconnect_requested(ring_->get());
}

bool ring_reconnect_requested(xenstore_domain_interface* ring) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return load_field(ring->connection) == XENSTORE_RECONNECT;
}

RingTransport::EventResult RingTransport::handle_event() {
  if (state_ == State::kClosed) {
    // The owner keeps the ring of a closed transport; it decides on reconnect.
    return EventResult::kHandled;
  }
  if (reconnect_requested()) {
    auto self = shared_from_this();
    finish(connection::CloseReason::kPeerClosed);
    return EventResult::kReconnectRequested;
  }
  if (state_ == State::kOpen) process();
  return EventResult::kHandled;
}

void RingTransport::schedule_process() {
  if (process_posted_ || state_ != State::kOpen) return;
  process_posted_ = true;
  boost::asio::post(executor_, [self = shared_from_this()] {
    self->process_posted_ = false;
    self->process();
  });
}

void RingTransport::process() {
  if (state_ != State::kOpen) return;
  auto self = shared_from_this();  // handlers may drop the last reference
  bool moved = false;
  if (!flush_output(moved)) return;
  if (!paused_ && !read_input(moved)) return;
  if (moved && ring_ && notify_peer_) notify_peer_();
}

bool RingTransport::flush_output(bool& moved) {
  if (output_.empty()) return true;
  auto queue = RingQueue::responses(ring_->get());
  while (!output_.empty()) {
    const std::string& front = output_.front();
    auto written = queue.write(front.data() + output_offset_, front.size() - output_offset_);
    if (!written) {
      fail(XENSTORE_ERROR_RINGIDX);
      return false;
    }
    if (*written == 0) break;  // ring full: the guest will signal when it reads
    moved = true;
    output_offset_ += *written;
    pending_bytes_ -= *written;
    if (output_offset_ == front.size()) {
      output_.pop_front();
      output_offset_ = 0;
    }
  }
  if (output_.empty() && handlers_.on_drained) {
    handlers_.on_drained();
    if (state_ != State::kOpen) return false;
  } else if (moved && !output_.empty() && handlers_.on_progress) {
    // Whole replies left the ring's way without draining the queue: the
    // connection counts them (outstanding requests) as the guest reads.
    handlers_.on_progress();
    if (state_ != State::kOpen) return false;
  }
  return true;
}

bool RingTransport::read_input(bool& moved) {
  auto queue = RingQueue::requests(ring_->get());
  char buffer[XENSTORE_RING_SIZE];
  auto got = queue.read(buffer, sizeof buffer);
  if (!got) {
    fail(XENSTORE_ERROR_RINGIDX);
    return false;
  }
  if (*got == 0) return true;
  moved = true;
  std::string_view bytes(buffer, *got);
  // A message longer than the protocol allows: what precedes it is still
  // delivered, then the ring is marked bad (XENSTORE_ERROR_PROTO).
  const std::size_t oversized = bounds_.feed(bytes);
  if (oversized != MessageBounds::npos) {
    if (oversized > 0 && handlers_.on_data) {
      handlers_.on_data(bytes.substr(0, oversized));
      // Replies to those requests go out before the ring is marked bad.
      if (state_ == State::kOpen && !flush_output(moved)) return false;
    }
    if (state_ == State::kOpen) fail(XENSTORE_ERROR_PROTO);
    return false;
  }
  if (handlers_.on_data) handlers_.on_data(bytes);
  if (state_ != State::kOpen) return false;  // the connection closed us
  // A guest writing faster than one ring per pass gets another pass after the
  // other ready work, not an unbounded loop here.
  auto left = queue.readable();
  if (!left) {
    fail(XENSTORE_ERROR_RINGIDX);
    return false;
  }
  if (*left > 0 && !paused_) schedule_process();
  return true;
}

void RingTransport::fail(std::uint32_t ring_error) {
  if (ring_) {
    auto* intf = ring_->get();
    if (load_field(intf->error) == XENSTORE_ERROR_NONE) store_field(intf->error, ring_error);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (notify_peer_) notify_peer_();
  }
  finish(connection::CloseReason::kProtocolError);
}

std::function<void(connection::CloseReason)> RingTransport::shut() {
  state_ = State::kClosed;
  output_.clear();
  output_offset_ = 0;
  pending_bytes_ = 0;
  ring_.reset();
  auto on_closed = std::move(handlers_.on_closed);
  handlers_ = {};
  return on_closed;
}

void RingTransport::finish(connection::CloseReason reason) {
  if (auto on_closed = shut()) on_closed(reason);
}

}  // namespace cxxenstored::xen
