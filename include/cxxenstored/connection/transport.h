// The byte pipe under a client connection: a unix socket or a guest's
// shared-memory ring. The connection layer frames messages on top of it and
// never knows which kind it has.
//
// All calls and callbacks happen on the daemon's single io_context thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cxxenstored::connection {

// What carries the bytes: a unix socket (dom0 tools) or a guest's ring.
// Metrics are split by it, and the C daemon charges outstanding requests
// only to ring connections.
enum class TransportKind { kSocket, kRing };

// Why a transport stopped.
enum class CloseReason {
  kPeerClosed,     // orderly EOF / guest went away
  kIoError,        // read or write failed
  kProtocolError,  // ring indices bogus or similar: the connection is bad
  kLocalClose,     // close() was called
};

class Transport {
 public:
  struct Handlers {
    // Bytes arrived. The view is valid only during the call.
    std::function<void(std::string_view bytes)> on_data;
    // Every queued byte has been handed to the peer (lets the connection
    // resume work it paused because its output was full).
    std::function<void()> on_drained;
    // Some queued bytes, not all, have been handed to the peer (optional:
    // without it the connection learns of progress at on_drained, so
    // replies already delivered still count as outstanding until then).
    std::function<void()> on_progress;
    // The transport is finished; no further callbacks follow.
    std::function<void(CloseReason)> on_closed;
  };

  virtual ~Transport() = default;

  // Starts delivering input to the handlers.
  virtual void start(Handlers handlers) = 0;
  // Queues bytes for the peer (whole messages; the transport may split them).
  virtual void send(std::string bytes) = 0;
  // Queues one message: `head` (its header) followed by `body` (its
  // payload). A transport that gathers its writes sends the body from where
  // it is; this default copies both into one string, as a ring's copy into
  // shared memory would anyway.
  virtual void send_message(std::string_view head, std::string body) {
    std::string bytes;
    bytes.reserve(head.size() + body.size());
    bytes.append(head);
    bytes.append(body);
    send(std::move(bytes));
  }
  // Between cork() and uncork(), send() only queues: what was sent in
  // between leaves together (one gathered write) at the uncork() that
  // matches the first cork() (they nest). Transports that write each
  // message as it comes ignore both.
  virtual void cork() {}
  virtual void uncork() {}
  // Bytes queued and not yet taken by the peer.
  virtual std::size_t pending_output() const = 0;
  // Stops/starts reading input (backpressure while output is full, or while
  // a request waits).
  virtual void pause_input() = 0;
  virtual void resume_input() = 0;
  // Closes; on_closed(kLocalClose) follows asynchronously.
  virtual void close() = 0;
  // Human-readable peer description for logs ("socket fd 7", "domain 3").
  virtual std::string describe() const = 0;
  // The socket descriptor, or -1 (rings).
  virtual int native_fd() const { return -1; }
  // Transports without a descriptor are rings (RingTransport and the
  // SharedTransport wrapping it do not override this).
  virtual TransportKind kind() const {
    return native_fd() >= 0 ? TransportKind::kSocket : TransportKind::kRing;
  }
};

}  // namespace cxxenstored::connection
