// Domain lifecycle for the guest soak, as a toolstack does it: create a
// domain in the simulated hypervisor, introduce it through dom0 and give it
// its home; destroy it and wait until the daemon has released it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cxxenstored/xen/simulated_guest.h"
#include "cxxenstored/xen/simulated_hypervisor.h"
#include "store_channel.h"

namespace xssoak {

// Why a step failed, for the report; nullopt when it went well.
using Failure = std::optional<std::string>;

std::string home_of(cxxenstored::xen::DomId domid);

// Creates domain `domid` (its ring and event channel) and attaches a guest
// kernel to it; nullopt (and `why` set) when the hypervisor refuses.
std::optional<cxxenstored::xen::SimulatedGuest> create_guest(cxxenstored::xen::SimulatedHypervisor& hv,
                                                             cxxenstored::xen::DomId domid, std::string& why);

// dom0: XS_INTRODUCE, then the home /local/domain/<id> owned by the guest.
Failure introduce_with_home(StoreChannel& dom0, const cxxenstored::xen::SimulatedGuest& guest);

// Destroys the domain in the hypervisor (VIRQ_DOM_EXC), then waits until
// dom0 sees it no longer introduced, its home gone and a @releaseDomain
// event (dom0 must watch @releaseDomain).
Failure destroy_and_wait_released(cxxenstored::xen::SimulatedHypervisor& hv, StoreChannel& dom0,
                                  cxxenstored::xen::DomId domid);

}  // namespace xssoak
