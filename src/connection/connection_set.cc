#include "cxxenstored/connection/connection_set.h"

namespace cxxenstored::connection {

ConnectionSet::~ConnectionSet() {
  // Connections destroyed with the set release their requests; nobody may
  // be woken to run requests against an engine that is going away.
  outstanding_->shut_down();
}

void ConnectionSet::add(std::shared_ptr<Connection> connection) {
  protocol::SessionId id = connection->id();
  connection->share_outstanding(outstanding_);
  connections_[id] = std::move(connection);
}

void ConnectionSet::remove(protocol::SessionId id) {
  // The connection's last messages release their requests: others of the
  // same domain may resume once this is done.
  OutstandingRequests::Scope scope(*outstanding_);
  connections_.erase(id);
}

std::shared_ptr<Connection> ConnectionSet::find(protocol::SessionId id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void ConnectionSet::close_all() {
  // close() completes asynchronously; copy since callbacks may remove.
  OutstandingRequests::Scope scope(*outstanding_);
  auto all = connections_;
  for (auto& [id, connection] : all) connection->close();
}

void ConnectionSet::deliver(protocol::SessionId session, protocol::Message message) {
  if (auto it = connections_.find(session); it != connections_.end())
    it->second->send(std::move(message));
}

}  // namespace cxxenstored::connection
