// Vocabulary of the hypervisor layer: domain ids, event channel ports and
// what the hypervisor reports about a domain.
#pragma once

#include <cstdint>

namespace cxxenstored::xen {

// A domain id (Xen's domid_t is 16 bits; kept wider so DOMID_SELF and
// out-of-range values from the wire can be represented and rejected).
using DomId = std::uint32_t;

// An event channel port number. Ports are per domain: a "local" port is one of
// ours (returned by a bind), a "remote" port is the guest's (sent in INTRODUCE).
using EvtchnPort = std::uint32_t;

// What the hypervisor says about one domain (the subset xenstored needs to
// notice shut-down, crashed and dying domains).
struct DomainInfo {
  DomId domid = 0;
  bool shutdown = false;  // shut down (any reason) but not yet destroyed
  bool crashed = false;   // crashed; treated like shutdown
  bool dying = false;     // being destroyed: its xenstore state must go
};

}  // namespace cxxenstored::xen
