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

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<Hypervisor> hypervisor_;
  EventDispatcher dispatcher_;
  DomainManager manager_;
  XenDomainOps ops_;
  std::optional<GuestConnections> guests_;
};

}  // namespace cxxenstored::xen
