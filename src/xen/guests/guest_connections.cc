#include "cxxenstored/xen/guest_connections.h"

#include <boost/asio/post.hpp>

#include "cxxenstored/xen/shared_transport.h"

namespace cxxenstored::xen {

GuestConnections::GuestConnections(boost::asio::io_context& io, DomainManager& manager,
                                   XenDomainOps& ops, protocol::Engine& engine,
                                   connection::ConnectionSet& connections,
                                   connection::TraceSink* trace,
                                   connection::ConnectionOptions options,
                                   std::optional<DomId> priv_domid)
    : io_(io),
      manager_(manager),
      ops_(ops),
      engine_(engine),
      connections_(connections),
      trace_(trace),
      options_(options),
      priv_domid_(priv_domid) {
  DomainManager::Callbacks callbacks;
  callbacks.on_connection = [this](DomId domid, std::shared_ptr<connection::Transport> t) {
    add_connection(domid, std::move(t));
  };
  callbacks.on_domain_released = [this](DomId domid, DomainManager::ReleaseCause cause) {
    domain_released(domid, cause);
  };
  callbacks.on_domains_shut_down = [this] { engine_.fire_special("@releaseDomain"); };
  manager_.set_callbacks(std::move(callbacks));
}

void GuestConnections::add_connection(DomId domid, std::shared_ptr<connection::Transport> transport) {
  protocol::SessionId id = connections_.next_id();
  auto conn = std::make_shared<connection::Connection>(
      id, std::make_unique<SharedTransport>(std::move(transport)), engine_, options_, trace_,
      [this, domid](protocol::SessionId closed) {
        ops_.unregister_session(closed);
        auto it = ring_sessions_.find(domid);
        if (it != ring_sessions_.end() && it->second == closed) ring_sessions_.erase(it);
        // Destroy outside the connection's own callback chain.
        boost::asio::post(io_, [this, closed] { connections_.remove(closed); });
      });
  connections_.add(conn);
  ops_.register_session(domid, id);
  ring_sessions_[domid] = id;
  // Guests are unprivileged: every permission and quota rule applies. Only
  // dom0 and the -p domain are privileged, as in the C daemon.
  store::Caller caller = store::Caller::guest(domid);
  if (domid == 0 || priv_domid_ == domid) caller.privileged = true;
  caller.target = manager_.target_of(domid);
  conn->start(caller);
}

std::optional<protocol::SessionId> GuestConnections::session_of(DomId domid) const {
  auto it = ring_sessions_.find(domid);
  if (it == ring_sessions_.end()) return std::nullopt;
  return it->second;
}

void GuestConnections::domain_released(DomId domid, DomainManager::ReleaseCause cause) {
  ops_.forget_domain(domid);
  // RELEASE's engine handler does the store side itself.
  if (cause == DomainManager::ReleaseCause::kDied) engine_.domain_gone(domid);
}

}  // namespace cxxenstored::xen
