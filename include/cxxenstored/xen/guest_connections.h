// Connects the domain table to the daemon: every ring transport the
// DomainManager hands out becomes a connection::Connection in the daemon's
// ConnectionSet, acting as its domain (unprivileged unless it is dom0, with
// its SET_TARGET target); a domain found dead makes the engine drop its state
// and fire @releaseDomain; newly shut-down domains fire @releaseDomain.
#pragma once

#include <boost/asio/io_context.hpp>

#include <map>
#include <optional>

#include "cxxenstored/connection/connection.h"
#include "cxxenstored/connection/connection_set.h"
#include "cxxenstored/protocol/engine.h"
#include "cxxenstored/xen/domain_manager.h"
#include "cxxenstored/xen/xen_domain_ops.h"

namespace cxxenstored::xen {

class GuestConnections {
 public:
  // Installs itself as the manager's callbacks.
  GuestConnections(boost::asio::io_context& io, DomainManager& manager, XenDomainOps& ops,
                   protocol::Engine& engine, connection::ConnectionSet& connections,
                   connection::TraceSink* trace, connection::ConnectionOptions options = {},
                   std::optional<DomId> priv_domid = std::nullopt);
  GuestConnections(const GuestConnections&) = delete;
  GuestConnections& operator=(const GuestConnections&) = delete;

  // The session of the domain's current ring connection, if it has one.
  std::optional<protocol::SessionId> session_of(DomId domid) const;

 private:
  void add_connection(DomId domid, std::shared_ptr<connection::Transport> transport);
  void domain_released(DomId domid, DomainManager::ReleaseCause cause);

  boost::asio::io_context& io_;
  DomainManager& manager_;
  XenDomainOps& ops_;
  protocol::Engine& engine_;
  connection::ConnectionSet& connections_;
  connection::TraceSink* trace_;
  connection::ConnectionOptions options_;
  std::optional<DomId> priv_domid_;  // -p/--priv-domid: privileged like dom0
  std::map<DomId, protocol::SessionId> ring_sessions_;
};

}  // namespace cxxenstored::xen
