// Transport over a connected unix stream socket (Boost.Asio). Reads and
// writes are asynchronous and may be partial; a slow peer only grows its
// own output queue (which the Connection bounds) and never blocks others.
#pragma once

#include <memory>

#include <boost/asio/local/stream_protocol.hpp>

#include "cxxenstored/connection/loop_idleness.h"
#include "cxxenstored/connection/transport.h"

namespace cxxenstored::connection {

class UnixSocketTransport final : public Transport {
 public:
  // With `idleness` (which must outlive the transport), the requests of a
  // lone client, each of which finds the event loop idle, leave the socket
  // only after their replies have been sent.
  explicit UnixSocketTransport(boost::asio::local::stream_protocol::socket socket,
                               LoopIdleness* idleness = nullptr);
  ~UnixSocketTransport() override;

  void start(Handlers handlers) override;
  void send(std::string bytes) override;
  void send_message(std::string_view head, std::string body) override;
  void cork() override;
  void uncork() override;
  std::size_t pending_output() const override;
  void pause_input() override;
  void resume_input() override;
  void close() override;
  std::string describe() const override;
  int native_fd() const override;
  TransportKind kind() const override { return TransportKind::kSocket; }

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with in-flight asynchronous operations
};

}  // namespace cxxenstored::connection
