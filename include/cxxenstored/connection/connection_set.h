// All live connections, by session id: the Engine's Outbox. Also owns what
// connections share: the per-domain outstanding-request counts.
#pragma once

#include <map>
#include <memory>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/connection/outstanding_requests.h"
#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::connection {

class ConnectionSet final : public protocol::Outbox {
 public:
  ConnectionSet() = default;
  ~ConnectionSet() override;
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  protocol::SessionId next_id() { return next_id_++; }
  // Before the connection's start().
  void add(std::shared_ptr<Connection> connection);
  void remove(protocol::SessionId id);
  std::shared_ptr<Connection> find(protocol::SessionId id) const;
  std::size_t size() const { return connections_.size(); }
  const std::map<protocol::SessionId, std::shared_ptr<Connection>>& all() const { return connections_; }
  // Closes every connection (shutdown).
  void close_all();

  // Requests of `domain` whose replies or events the peer has not been
  // handed yet (what the C daemon's "quota <domid>" shows as outstanding).
  std::size_t outstanding_of(store::DomainId domain) const { return outstanding_->count(domain); }

  void deliver(protocol::SessionId session, protocol::Message message) override;

 private:
  std::shared_ptr<OutstandingRequests> outstanding_ = std::make_shared<OutstandingRequests>();
  std::map<protocol::SessionId, std::shared_ptr<Connection>> connections_;
  protocol::SessionId next_id_ = 1;
};

}  // namespace cxxenstored::connection
