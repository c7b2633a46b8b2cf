// One client connection: frames requests from its Transport, runs them
// through the Engine in order (pipelined requests are answered in order),
// and queues replies and watch events back.
//
// Output is bounded: when more than output_high_water bytes wait for the
// peer, the connection stops reading (and so stops producing replies) until
// the transport drains. Watch events are produced by other clients'
// requests, so they cannot be held back that way; once a connection has
// event_queue_limit bytes pending, further events for it are dropped and
// counted, so a client that never reads cannot grow the daemon's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "cxxenstored/connection/trace_sink.h"
#include "cxxenstored/connection/transport.h"
#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::connection {

struct ConnectionOptions {
  std::size_t output_high_water = 256 * 1024;
  std::size_t event_queue_limit = 4 * 1024 * 1024;
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

  // Opens the engine session for caller and starts reading.
  void start(const store::Caller& caller);
  // Queues one message for the peer (replies and events).
  void send(protocol::Message message);
  void close();
  // Live update: bytes the old daemon had queued for this peer (sent first,
  // unframed) and bytes it had received but not processed.
  void restore_io(std::string pending_input, std::string pending_output);

  protocol::SessionId id() const { return id_; }
  std::string describe() const { return transport_->describe(); }
  std::uint64_t dropped_events() const { return dropped_events_; }
  bool input_paused() const { return paused_; }
  int native_fd() const { return transport_->native_fd(); }
  std::size_t pending_output() const { return transport_->pending_output(); }
  std::string pending_input() const { return std::string(decoder_.unconsumed()); }

 private:
  void on_data(std::string_view bytes);
  void on_drained();
  void on_closed(CloseReason reason);
  // Runs buffered requests until none is complete or output is full.
  void process();
  bool output_full() const;

  protocol::SessionId id_;
  std::unique_ptr<Transport> transport_;
  protocol::Engine& engine_;
  ConnectionOptions options_;
  TraceSink* trace_;
  std::function<void(protocol::SessionId)> closed_callback_;
  protocol::Decoder decoder_;
  bool paused_ = false;
  bool processing_ = false;
  bool closed_ = false;
  bool session_open_ = false;
  std::uint64_t dropped_events_ = 0;
};

}  // namespace cxxenstored::connection
