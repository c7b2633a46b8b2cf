// A hypervisor stand-in for machines without Xen, so that the ring protocol,
// the domain lifecycle and the whole daemon above them run for real:
//
//  * a guest's ring page is a memfd-backed shared page; the daemon maps it with
//    map_ring(), a SimulatedGuest maps the same page (from another thread, or
//    another process after fork) and plays the guest kernel's xenbus;
//  * an interdomain event channel is a pair of eventfds (guest->daemon,
//    daemon->guest); the daemon's event_fd() is an epoll set of the
//    guest->daemon eventfds, registered one-shot so that a delivered port stays
//    masked until unmask(), like /dev/xen/evtchn;
//  * the domain table is controlled by the test (create, shut down, crash,
//    make dying, destroy), and every state change raises VIRQ_DOM_EXC.
//
// The daemon-side Hypervisor calls and the test-side controls may run on
// different threads: the table is guarded by a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "cxxenstored/xen/hypervisor.h"
#include "cxxenstored/xen/unique_fd.h"

namespace cxxenstored::xen {

// Everything a guest needs to talk to the daemon; owns its own descriptors
// (duplicates), so it stays valid in a forked child or after the domain is
// destroyed.
struct GuestEndpoint {
  DomId domid = 0;
  UniqueFd ring;          // memfd of the ring page (mmap MAP_SHARED, 4096 bytes)
  UniqueFd kick;          // write an 8-byte 1 to signal the daemon
  UniqueFd notification;  // readable when the daemon signalled us
  EvtchnPort remote_port = 0;  // the guest's port, as sent in INTRODUCE
  std::uint64_t frame = 0;     // the ring's (simulated) frame number
};

class SimulatedHypervisor final : public Hypervisor {
 public:
  // Creates the hypervisor with dom0 (own domid 0) and its ring already present.
  static Result<std::unique_ptr<SimulatedHypervisor>> create();
  ~SimulatedHypervisor() override;

  // --- test controls ------------------------------------------------------
  // Creates a running domain with a fresh ring page and an unbound event
  // channel port reserved for xenstored. EEXIST if the domid is taken.
  Result<GuestEndpoint> create_domain(DomId domid);
  // Another handle on an existing domain's ring and channel (dom0 included).
  Result<GuestEndpoint> endpoint(DomId domid);
  // Marks the domain shut down (or crashed) and raises VIRQ_DOM_EXC.
  Result<void> shutdown_domain(DomId domid, bool crashed = false);
  // Marks the domain dying and raises VIRQ_DOM_EXC.
  Result<void> make_dying(DomId domid);
  // Removes the domain from the table and raises VIRQ_DOM_EXC.
  Result<void> destroy_domain(DomId domid);
  // Makes map_ring() of this domain's reserved grant fail, so only a foreign
  // mapping of the right frame number succeeds (tests the fallback).
  Result<void> revoke_grant(DomId domid);
  // Number of times VIRQ_DOM_EXC was raised.
  unsigned virq_raised() const;
  // Number of local ports currently bound (for leak checks).
  std::size_t bound_ports() const;

  // --- Hypervisor -----------------------------------------------------------
  Result<EvtchnPort> bind_interdomain(DomId domid, EvtchnPort remote_port) override;
  Result<EvtchnPort> bind_virq_dom_exc() override;
  Result<void> unbind(EvtchnPort local_port) override;
  Result<void> notify(EvtchnPort local_port) override;
  Result<void> unmask(EvtchnPort local_port) override;
  int event_fd() const override;
  Result<std::optional<EvtchnPort>> pending() override;
  Result<RingMapping> map_ring(DomId domid, std::uint64_t frame) override;
  Result<RingMapping> map_dom0_ring() override;
  Result<EvtchnPort> dom0_ring_port() override;
  DomId own_domid() const override { return 0; }
  int handover_fd() const override { return -1; }
  Result<void> adopt_interdomain(DomId domid, EvtchnPort local_port) override;
  Result<std::vector<DomainInfo>> list_domains() override;
  Result<std::optional<DomainInfo>> domain_info(DomId domid) override;

 private:
  // One event channel as two eventfds (non-blocking; dup'ed into endpoints).
  struct Channel {
    UniqueFd to_daemon;
    UniqueFd to_guest;
  };
  struct Domain {
    DomainInfo info;
    UniqueFd ring;  // memfd
    std::uint64_t frame = 0;
    std::shared_ptr<Channel> channel;
    EvtchnPort remote_port = 0;
    bool channel_bound = false;
    bool grant_revoked = false;
  };
  struct LocalPort {
    std::shared_ptr<Channel> channel;
    std::shared_ptr<Domain> domain;  // null for the VIRQ
  };

  SimulatedHypervisor() = default;
  Result<std::shared_ptr<Domain>> new_domain_locked(DomId domid);
  Result<GuestEndpoint> endpoint_locked(const Domain& domain) const;
  Result<EvtchnPort> register_port_locked(LocalPort port);
  void raise_virq_locked();
  // Arms (EPOLL_CTL_ADD) or re-arms (EPOLL_CTL_MOD) a port's one-shot
  // wake-up: like a masked event channel, a port signals once until unmasked.
  Result<void> arm_locked(int epoll_op, EvtchnPort local_port, const Channel& channel);

  mutable std::mutex mutex_;
  UniqueFd epoll_;
  std::shared_ptr<Channel> virq_;  // guest->daemon side is raised by the table
  std::map<DomId, std::shared_ptr<Domain>> domains_;
  std::map<EvtchnPort, LocalPort> ports_;
  EvtchnPort next_port_ = 1;
  std::uint64_t next_frame_ = 0x1000;
  unsigned virq_raised_ = 0;
};

}  // namespace cxxenstored::xen
