// Everything the daemon adds to serve guests when a hypervisor is present,
// in one object: the Hypervisor backend, the event channel dispatcher, the
// domain table, the DomainOps the request engine calls, and (after attach)
// the connections for every ring.
//
// Construction order in the daemon: XenGuestSupport first (the Engine takes
// ops() by reference), then the Engine, then attach(), then start().
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cxxenstored/xen/event_dispatcher.h"
#include "cxxenstored/xen/guest_connections.h"
#include "cxxenstored/xen/hypervisor.h"
#include "cxxenstored/xen/xen_domain_ops.h"

namespace cxxenstored::xen {

class XenGuestSupport {
 public:
  // on_fatal: the event channel device failed (the C daemon exits then).
  XenGuestSupport(boost::asio::io_context& io, std::unique_ptr<Hypervisor> hypervisor,
                  std::function<void(Error)> on_fatal = {});
  ~XenGuestSupport();
  XenGuestSupport(const XenGuestSupport&) = delete;
  XenGuestSupport& operator=(const XenGuestSupport&) = delete;

  // For the Engine; also register every unix socket session as domain 0.
  XenDomainOps& ops() { return ops_; }
  DomainManager& manager() { return manager_; }
  Hypervisor& hypervisor() { return *hypervisor_; }

  // Ring connections go into `connections` and run through `engine`.
  void attach(protocol::Engine& engine, connection::ConnectionSet& connections,
              connection::TraceSink* trace, connection::ConnectionOptions options = {},
              std::optional<DomId> priv_domid = std::nullopt);
  // Starts event delivery, binds VIRQ_DOM_EXC and connects our own domain's
  // ring (/proc/xen/xsd_kva, xsd_port), as the C daemon's domain_init and
  // dom0_init. (With -D the C daemon does none of this: do not create a
  // XenGuestSupport at all then.)
  Result<void> start(bool introduce_own_domain = true);
  // Stops event delivery (shutdown).
  void stop();

  // --- live update (after attach) ---------------------------------------------
  // One introduced domain as the state stream records it: the ring
  // connection's domain, the local port (bound on the hypervisor's
  // handover_fd()), the SET_TARGET target, its connection's session (none
  // if the connection was dropped) and the replies not yet in its ring.
  struct RingHandover {
    DomId domid = 0;
    EvtchnPort local_port = 0;
    std::optional<DomId> target;
    std::optional<protocol::SessionId> session;
    RingTransport::Unsent unsent;
  };
  // Old process, right before exec (see DomainManager::begin_handover).
  std::vector<RingHandover> begin_handover();
  // The exec failed: carry on serving.
  Result<void> cancel_handover();
  // New process, before start(): serves a domain the old process had on
  // its still bound port; returns the new connection's session.
  Result<protocol::SessionId> adopt_ring(DomId domid, EvtchnPort local_port,
                                         std::optional<DomId> target);
  // After start() of a new process: domains that died during the update
  // are noticed now (their VIRQ_DOM_EXC went to nobody), as the C daemon
  // checks after reading its state.
  void check_domains() { manager_.check_domains(); }

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<Hypervisor> hypervisor_;
  EventDispatcher dispatcher_;
  DomainManager manager_;
  XenDomainOps ops_;
  std::optional<GuestConnections> guests_;
};

}  // namespace cxxenstored::xen
