// Transport over a connected unix stream socket whose receives and sends go
// through the daemon's io_uring (UringQueue) instead of one system call
// each: with many clients busy at once, one pass of the event loop hands
// the kernel all their replies and next receives together.
//
// Each request is peeked at, answered, and taken out of the socket only
// right behind its reply (the next entry of the same submission): taking
// bytes out of a unix socket wakes every thread waiting on the sender's
// socket, the client blocked for our reply included, which would otherwise
// often be woken twice, once for nothing. The bytes of a request stay in
// the socket until it is answered, which also keeps them safe across live
// update (UringQueue::settle).
#pragma once

#include <memory>

#include "cxxenstored/connection/transport.h"
#include "cxxenstored/connection/uring_queue.h"

namespace cxxenstored::connection {

class UringSocketTransport final : public Transport {
 public:
  // Takes ownership of the connected socket `fd`; `queue` carries its I/O
  // and must outlive the transport (it holds the transport's operations in
  // flight, and with them what they need, until it is destroyed).
  UringSocketTransport(int fd, UringQueue& queue);
  ~UringSocketTransport() override;

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
  std::shared_ptr<Impl> impl_;  // shared with operations in flight (the queue holds them)
};

}  // namespace cxxenstored::connection
