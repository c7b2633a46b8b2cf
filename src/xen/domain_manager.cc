#include "cxxenstored/xen/domain_manager.h"

#include <boost/asio/post.hpp>

#include <cerrno>
#include <string>
#include <unordered_map>
#include <vector>

namespace cxxenstored::xen {

DomainManager::DomainManager(boost::asio::any_io_executor executor, Hypervisor& hypervisor,
                             EventDispatcher& dispatcher, Callbacks callbacks)
    : executor_(std::move(executor)),
      hypervisor_(hypervisor),
      dispatcher_(dispatcher),
      callbacks_(std::move(callbacks)) {}

DomainManager::~DomainManager() {
  // Connections may outlive us; make sure their transports no longer reach
  // the hypervisor through us.
  for (auto& [domid, domain] : domains_) {
    if (domain->transport) domain->transport->set_notifier({});
    if (handed_over_) {
      dispatcher_.remove(domain->local_port);
    } else {
      unbind_port(*domain);
    }
  }
  if (virq_port_ != 0) {
    dispatcher_.remove(virq_port_);
    (void)hypervisor_.unbind(virq_port_);
  }
}

Result<void> DomainManager::start() {
  if (virq_port_ != 0) return {};
  auto port = hypervisor_.bind_virq_dom_exc();
  if (!port) return port.error();
  virq_port_ = *port;
  dispatcher_.add(virq_port_, [this] { check_domains(); });
  return {};
}

void DomainManager::bind_port(Domain& domain, EvtchnPort local_port) {
  domain.local_port = local_port;
  if (local_port == 0) return;
  DomId domid = domain.domid;
  dispatcher_.add(local_port, [this, domid] { on_port_event(domid); });
}

void DomainManager::unbind_port(Domain& domain) {
  if (domain.local_port == 0) return;
  dispatcher_.remove(domain.local_port);
  (void)hypervisor_.unbind(domain.local_port);
  domain.local_port = 0;
}

Result<DomainManager::Domain*> DomainManager::add_domain(DomId domid, RingMapping ring,
                                                         EvtchnPort remote_port) {
  auto local = hypervisor_.bind_interdomain(domid, remote_port);
  if (!local) return local.error();  // `ring` is unmapped on the way out
  auto domain = std::make_unique<Domain>();
  domain->domid = domid;
  domain->ring = std::make_shared<RingMapping>(std::move(ring));
  Domain* raw = domain.get();
  domains_.emplace(domid, std::move(domain));
  bind_port(*raw, *local);
  return raw;
}

void DomainManager::connect(Domain& domain, RingStart how) {
  EvtchnPort port = domain.local_port;
  Hypervisor* hv = &hypervisor_;
  auto notifier = [hv, port] {
    if (port != 0) (void)hv->notify(port);
  };
  domain.transport = RingTransport::create(executor_, domain.ring, std::move(notifier),
                                           "domain " + std::to_string(domain.domid));
  switch (how) {
    case RingStart::kAsIs: break;
    case RingStart::kIntroduce: domain.transport->complete_reconnect(); break;
    case RingStart::kReset: domain.transport->reset_ring(); break;
    case RingStart::kReconnect: domain.transport->complete_reconnect(); break;
  }
  if (callbacks_.on_connection) callbacks_.on_connection(domain.domid, domain.transport);
}

Result<void> DomainManager::introduce_own_domain() {
  const DomId own = hypervisor_.own_domid();
  if (domains_.count(own)) return {};
  auto ring = hypervisor_.map_dom0_ring();
  if (!ring) return ring.error();
  auto port = hypervisor_.dom0_ring_port();
  if (!port) return port.error();
  auto domain = add_domain(own, std::move(*ring), *port);
  if (!domain) return domain.error();
  // dom0's kernel may already have queued requests: its ring is not reset.
  connect(**domain, RingStart::kAsIs);
  if ((*domain)->local_port != 0) (void)hypervisor_.notify((*domain)->local_port);
  return {};
}

Result<DomainManager::IntroduceOutcome> DomainManager::introduce(DomId domid, std::uint64_t frame,
                                                                 EvtchnPort remote_port) {
  const bool own = domid == hypervisor_.own_domid();
  auto it = domains_.find(domid);
  if (it != domains_.end()) {
    // The C daemon takes a second INTRODUCE as "recreate the event channel":
    // rebind (a failure leaves the domain without one, still answered OK) and
    // reset the connection.
    Domain& domain = *it->second;
    unbind_port(domain);
    auto local = hypervisor_.bind_interdomain(domid, remote_port);
    bind_port(domain, local ? *local : 0);
    if (domain.transport) {
      domain.transport->set_notifier({});
      domain.transport->peer_gone();
    }
    connect(domain, RingStart::kReset);
    return IntroduceOutcome::kExisting;
  }
  auto ring = own ? hypervisor_.map_dom0_ring() : hypervisor_.map_ring(domid, frame);
  if (!ring) return ring.error();
  auto domain = add_domain(domid, std::move(*ring), remote_port);
  if (!domain) return domain.error();
  connect(**domain, RingStart::kIntroduce);
  return own ? IntroduceOutcome::kNewOwnDomain : IntroduceOutcome::kNew;
}

Result<DomainManager::Domain*> DomainManager::find_connected(DomId domid) {
  auto it = domains_.find(domid);
  if (it == domains_.end()) return Error{ENOENT};
  if (!it->second->transport) return Error{EINVAL};
  return it->second.get();
}

Result<void> DomainManager::release(DomId domid) {
  if (domid == 0) return Error{EINVAL};
  auto domain = find_connected(domid);
  if (!domain) return domain.error();
  destroy(domid, ReleaseCause::kReleased);
  return {};
}

Result<void> DomainManager::resume(DomId domid) {
  if (domid == 0) return Error{EINVAL};
  auto domain = find_connected(domid);
  if (!domain) return domain.error();
  (*domain)->shutdown = false;
  return {};
}

bool DomainManager::is_introduced(DomId domid) const {
  return domid == kDomIdSelf || domains_.count(domid) != 0;
}

Result<void> DomainManager::set_target(DomId domid, DomId target) {
  auto domain = find_connected(domid);
  if (!domain) return domain.error();
  auto target_domain = find_connected(target);
  if (!target_domain) return target_domain.error();
  (*domain)->target = target;
  return {};
}

std::optional<DomId> DomainManager::target_of(DomId domid) const {
  auto it = domains_.find(domid);
  if (it == domains_.end()) return std::nullopt;
  return it->second->target;
}

std::optional<EvtchnPort> DomainManager::local_port(DomId domid) const {
  auto it = domains_.find(domid);
  if (it == domains_.end()) return std::nullopt;
  return it->second->local_port;
}

std::vector<DomainManager::Handover> DomainManager::begin_handover() {
  std::vector<Handover> out;
  out.reserve(domains_.size());
  for (const auto& [domid, domain] : domains_) {
    Handover h;
    h.domid = domid;
    h.local_port = domain->local_port;
    h.target = domain->target;
    if (domain->transport) h.unsent = domain->transport->unsent_output();
    out.push_back(std::move(h));
  }
  if (virq_port_ != 0) {
    dispatcher_.remove(virq_port_);
    (void)hypervisor_.unbind(virq_port_);
    virq_port_ = 0;
  }
  handed_over_ = true;
  return out;
}

Result<void> DomainManager::cancel_handover() {
  handed_over_ = false;
  return start();
}

Result<void> DomainManager::adopt(DomId domid, EvtchnPort local_port,
                                  std::optional<DomId> target) {
  if (domains_.count(domid)) return Error{EEXIST};
  const bool own = domid == hypervisor_.own_domid();
  // The old process's mapping died with its address space; the grant (or
  // dom0's xsd_kva page) is mapped again. No frame: after an update only
  // the reserved grant is known, as for the C daemon.
  auto ring = own ? hypervisor_.map_dom0_ring() : hypervisor_.map_ring(domid, 0);
  if (!ring) return ring.error();
  CXS_TRY(hypervisor_.adopt_interdomain(domid, local_port));
  auto domain = std::make_unique<Domain>();
  domain->domid = domid;
  domain->ring = std::make_shared<RingMapping>(std::move(*ring));
  domain->target = target;
  Domain* raw = domain.get();
  domains_.emplace(domid, std::move(domain));
  bind_port(*raw, local_port);
  connect(*raw, RingStart::kAsIs);
  return {};
}

void DomainManager::on_port_event(DomId domid) {
  auto it = domains_.find(domid);
  if (it == domains_.end()) return;
  Domain& domain = *it->second;
  if (domain.transport && domain.transport->is_open()) {
    auto transport = domain.transport;  // survives the handlers it runs
    if (transport->handle_event() == RingTransport::EventResult::kReconnectRequested) {
      connect(domain, RingStart::kReconnect);
    }
    return;
  }
  // The connection was dropped (bad ring, or by the daemon); the guest can
  // still ask for a fresh one.
  if (ring_reconnect_requested(domain.ring->get())) connect(domain, RingStart::kReconnect);
}

void DomainManager::check_domains() {
  auto listed = hypervisor_.list_domains();
  if (!listed) return;  // try again at the next VIRQ
  std::unordered_map<DomId, DomainInfo> existing;
  for (const DomainInfo& info : *listed) existing.emplace(info.domid, info);

  bool newly_shut_down = false;
  std::vector<DomId> gone;
  for (auto& [domid, domain] : domains_) {
    auto it = existing.find(domid);
    if (it != existing.end()) {
      const DomainInfo& info = it->second;
      if ((info.shutdown || info.crashed) && !domain->shutdown) {
        domain->shutdown = true;
        newly_shut_down = true;
      }
      if (!info.dying) continue;
    }
    gone.push_back(domid);
  }
  for (DomId domid : gone) destroy(domid, ReleaseCause::kDied);
  // A destroyed domain fires @releaseDomain itself; the C daemon then skips
  // the one for shut-down domains.
  if (newly_shut_down && gone.empty() && callbacks_.on_domains_shut_down) {
    callbacks_.on_domains_shut_down();
  }
}

void DomainManager::destroy(DomId domid, ReleaseCause cause) {
  auto node = domains_.extract(domid);
  if (node.empty()) return;
  Domain& domain = *node.mapped();
  unbind_port(domain);
  if (domain.transport) {
    domain.transport->set_notifier({});
    domain.transport->peer_gone();
  }
  domain.transport.reset();
  domain.ring.reset();  // unmapped unless a connection still holds it
  // After the connection's on_closed (queued by peer_gone), and never inside
  // the request handler that may have called release().
  if (callbacks_.on_domain_released) {
    boost::asio::post(executor_, [released = callbacks_.on_domain_released, domid, cause] {
      released(domid, cause);
    });
  }
}

}  // namespace cxxenstored::xen
