// The one narrow interface between cxxenstored and the hypervisor: event
// channels, mapping a domain's xenstore ring, domain state, and dom0's own
// ring. Two implementations: RealHypervisor (libxen*) and SimulatedHypervisor
// (shared memory + eventfds, for machines without Xen).
//
// All calls happen on the daemon's single thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cxxenstored/util/result.h"
#include "cxxenstored/xen/ring_mapping.h"
#include "cxxenstored/xen/types.h"

namespace cxxenstored::xen {

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  // --- event channels -----------------------------------------------------
  // Binds a local port to `remote_port` of domain `domid`; returns the local port.
  virtual Result<EvtchnPort> bind_interdomain(DomId domid, EvtchnPort remote_port) = 0;
  // Binds the VIRQ_DOM_EXC virtual interrupt (a domain changed state).
  virtual Result<EvtchnPort> bind_virq_dom_exc() = 0;
  virtual Result<void> unbind(EvtchnPort local_port) = 0;
  // Signals the remote end of a bound local port.
  virtual Result<void> notify(EvtchnPort local_port) = 0;
  // Re-enables delivery of a port returned by pending().
  virtual Result<void> unmask(EvtchnPort local_port) = 0;
  // A non-blocking fd that is readable while some port is pending.
  virtual int event_fd() const = 0;
  // Takes one pending port (masked until unmask()), or nullopt if none.
  virtual Result<std::optional<EvtchnPort>> pending() = 0;

  // --- ring pages ---------------------------------------------------------
  // Maps domain `domid`'s xenstore ring: the reserved grant
  // GNTTAB_RESERVED_XENSTORE first, else a foreign mapping of `frame` (the
  // mfn/gfn from INTRODUCE; 0 = none given).
  virtual Result<RingMapping> map_ring(DomId domid, std::uint64_t frame) = 0;

  // --- dom0's own ring (set up by dom0's kernel) -------------------------
  // The page behind /proc/xen/xsd_kva.
  virtual Result<RingMapping> map_dom0_ring() = 0;
  // dom0 kernel's port for it (/proc/xen/xsd_port): bind with bind_interdomain.
  virtual Result<EvtchnPort> dom0_ring_port() = 0;
  // The domain that hosts us (its ring is the dom0 one above).
  virtual DomId own_domid() const = 0;

  // --- live update ----------------------------------------------------------
  // The descriptor whose bindings survive exec (GLOBAL_DATA's evtchn_fd:
  // the new process reopens it and keeps every bound port), or -1 when the
  // bindings live elsewhere (the simulated backend keeps them in its own
  // object, which a test hands from one daemon to the next).
  virtual int handover_fd() const = 0;
  // Takes over `local_port`, bound to `domid` by the previous daemon on the
  // handle this one reopened, and re-enables its delivery (an event the old
  // process took but never handled would otherwise leave it masked). EINVAL
  // if the port is not such a binding (where the backend can tell).
  virtual Result<void> adopt_interdomain(DomId domid, EvtchnPort local_port) = 0;

  // --- domains --------------------------------------------------------------
  // Every existing domain (ascending domid).
  virtual Result<std::vector<DomainInfo>> list_domains() = 0;
  // One domain, or nullopt if it does not exist.
  virtual Result<std::optional<DomainInfo>> domain_info(DomId domid) = 0;
};

}  // namespace cxxenstored::xen
