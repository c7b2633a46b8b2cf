// All live connections, by session id: the Engine's Outbox.
#pragma once

#include <map>
#include <memory>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::connection {

class ConnectionSet final : public protocol::Outbox {
 public:
  protocol::SessionId next_id() { return next_id_++; }
  void add(std::shared_ptr<Connection> connection);
  void remove(protocol::SessionId id);
  std::shared_ptr<Connection> find(protocol::SessionId id) const;
  std::size_t size() const { return connections_.size(); }
  const std::map<protocol::SessionId, std::shared_ptr<Connection>>& all() const { return connections_; }
  // Closes every connection (shutdown).
  void close_all();

  void deliver(protocol::SessionId session, protocol::Message message) override;

 private:
  std::map<protocol::SessionId, std::shared_ptr<Connection>> connections_;
  protocol::SessionId next_id_ = 1;
};

}  // namespace cxxenstored::connection
