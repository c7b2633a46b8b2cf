#include "cxxenstored/connection/connection_set.h"

namespace cxxenstored::connection {

void ConnectionSet::add(std::shared_ptr<Connection> connection) {
  protocol::SessionId id = connection->id();
  connections_[id] = std::move(connection);
}

void ConnectionSet::remove(protocol::SessionId id) { connections_.erase(id); }

std::shared_ptr<Connection> ConnectionSet::find(protocol::SessionId id) const {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

void ConnectionSet::close_all() {
  // close() completes asynchronously; copy since callbacks may remove.
  auto all = connections_;
  for (auto& [id, connection] : all) connection->close();
}

void ConnectionSet::deliver(protocol::SessionId session, protocol::Message message) {
  if (auto it = connections_.find(session); it != connections_.end())
    it->second->send(std::move(message));
}

}  // namespace cxxenstored::connection
