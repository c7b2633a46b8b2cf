// connection::Transport over a guest's xenstore ring page
// (struct xenstore_domain_interface, docs/misc/xenstore-ring.txt).
//
// The transport never polls: it touches the ring only when the domain's event
// channel fired (handle_event(), called by the DomainManager through the
// EventDispatcher), or when the connection above it queued output or resumed
// input. After each such pass it signals the guest once, and only if it moved
// an index. It advertises RECONNECTION and ERROR in server_features before
// touching any data. Bogus indices (producer more than a ring ahead of the
// consumer) set the ring's error field to XENSTORE_ERROR_RINGIDX and end the
// transport with CloseReason::kProtocolError; a request header announcing
// more than XENSTORE_PAYLOAD_MAX bytes does the same with XENSTORE_ERROR_PROTO
// (after delivering what came before it). A guest that sets the connection
// field to XENSTORE_RECONNECT ends it with kPeerClosed and handle_event() says
// so, so that the owner can start a fresh transport on the same ring.
//
// Single-threaded (the daemon's io_context); the guest on the other side of
// the page runs concurrently, which the RingQueue index protocol handles.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "cxxenstored/connection/transport.h"
#include "cxxenstored/xen/message_bounds.h"
#include "cxxenstored/xen/ring_mapping.h"

namespace cxxenstored::xen {

class RingTransport final : public connection::Transport,
                            public std::enable_shared_from_this<RingTransport> {
 public:
  enum class EventResult {
    kHandled,
    // The guest asked for a ring reconnect: this transport is closed (its
    // on_closed(kPeerClosed) has run); the owner should complete_reconnect()
    // a new transport on the same ring.
    kReconnectRequested,
  };

  // `ring` is shared with the domain table; `notify_peer` signals the guest's
  // event channel. Sets server_features.
  static std::shared_ptr<RingTransport> create(boost::asio::any_io_executor executor,
                                               std::shared_ptr<RingMapping> ring,
                                               std::function<void()> notify_peer,
                                               std::string description);

  // The domain's event channel fired: the guest changed the ring.
  EventResult handle_event();
  // Empties the ring by zeroing all four indices, as INTRODUCE does for the
  // C daemon (the guest has not started using it yet).
  void reset_ring();
  // Finishes a guest-requested reconnect on a fresh transport (and announces
  // a newly introduced ring): empty ring, error cleared, connection state
  // XENSTORE_CONNECTED, guest signalled.
  void complete_reconnect();
  // The domain is gone (dead, released, re-introduced): stops at once, drops
  // the ring mapping; on_closed(kPeerClosed) follows asynchronously.
  void peer_gone();
  bool is_open() const { return state_ != State::kClosed; }
  // Replaces how the guest is signalled (the event channel was rebound).
  void set_notifier(std::function<void()> notify_peer) { notify_peer_ = std::move(notify_peer); }

  // Live update: the bytes queued for the guest and not yet in its ring, in
  // order. The first `continuation` of them finish a message whose start
  // is already in the ring (the stream's partial response length).
  struct Unsent {
    std::string bytes;
    std::size_t continuation = 0;
  };
  Unsent unsent_output() const;

  // connection::Transport
  void start(Handlers handlers) override;
  void send(std::string bytes) override;
  std::size_t pending_output() const override { return pending_bytes_; }
  void pause_input() override { paused_ = true; }
  void resume_input() override;
  void close() override;
  std::string describe() const override { return description_; }

 private:
  // Closes for this reason: drops the output and the mapping, reports later.
  void finish_later(connection::CloseReason reason);
  // Leaves the open state (output and mapping dropped); the close handler.
  std::function<void(connection::CloseReason)> shut();
  enum class State { kIdle, kOpen, kClosed };

  RingTransport(boost::asio::any_io_executor executor, std::shared_ptr<RingMapping> ring,
                std::function<void()> notify_peer, std::string description);

  // One pass over the ring: output, then input. Signals the guest once if
  // anything moved.
  void process();
  void schedule_process();
  // Returns false if the transport failed (and is now closed).
  bool flush_output(bool& moved);
  bool read_input(bool& moved);
  bool reconnect_requested() const;
  // Marks the ring bad (error field), signals the guest, closes synchronously.
  void fail(std::uint32_t ring_error);
  // Leaves the open state and runs on_closed(reason) now.
  void finish(connection::CloseReason reason);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<RingMapping> ring_;
  std::function<void()> notify_peer_;
  std::string description_;
  Handlers handlers_;
  State state_ = State::kIdle;
  bool paused_ = false;
  bool process_posted_ = false;
  std::deque<std::string> output_;
  std::size_t output_offset_ = 0;  // bytes of output_.front() already in the ring
  std::size_t pending_bytes_ = 0;
  MessageBounds bounds_;  // spots oversized requests (XENSTORE_ERROR_PROTO)
};

// Whether the guest has set the ring's connection field to XENSTORE_RECONNECT
// (checked by the owner of a ring whose transport is already closed).
bool ring_reconnect_requested(xenstore_domain_interface* ring);

}  // namespace cxxenstored::xen
