// The Hypervisor on real Xen, through Xen's stable tool libraries:
// libxenevtchn (event channels), libxengnttab (the guest's reserved xenstore
// grant), libxenforeignmemory (fallback: foreign mapping of the ring frame),
// libxenctrl (domain states), libxentoollog (their error logging), plus
// /proc/xen/xsd_kva and /proc/xen/xsd_port for dom0's own ring. Follows the
// calls of the C daemon (tools/xenstored in Xen 4.17).
#pragma once

#include <memory>

#include "cxxenstored/xen/hypervisor.h"

namespace cxxenstored::xen {

class RealHypervisor final : public Hypervisor {
 public:
  // Whether this machine runs on Xen with the event channel device available
  // (/dev/xen/evtchn); without it the daemon runs without a hypervisor.
  static bool present();
  // Opens every handle; fails with the errno of the first that cannot be
  // opened. `own_domid` is the domain we run in (-m/--master-domid; 0 for a
  // dom0 daemon): its ring is the one behind /proc/xen/xsd_kva.
  static Result<std::unique_ptr<RealHypervisor>> open(DomId own_domid = 0);
  // Live update (-U): as open(), but the event channel handle is the
  // descriptor the previous daemon left open across exec
  // (xenevtchn_fdopen), so every port it bound stays bound here.
  static Result<std::unique_ptr<RealHypervisor>> adopt(DomId own_domid, int evtchn_fd);
  ~RealHypervisor() override;

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
  DomId own_domid() const override { return own_domid_; }
  int handover_fd() const override;
  Result<void> adopt_interdomain(DomId domid, EvtchnPort local_port) override;
  Result<std::vector<DomainInfo>> list_domains() override;
  Result<std::optional<DomainInfo>> domain_info(DomId domid) override;

  // The library handles; shared with ring mappings so that a mapping that
  // outlives this object can still be unmapped.
  struct Handles;

 private:
  // Opens everything but the event channel handle, which evtchn_fd adopts
  // (or, if negative, opens afresh).
  static Result<std::unique_ptr<RealHypervisor>> open_with(DomId own_domid, int evtchn_fd);
  RealHypervisor(std::shared_ptr<Handles> handles, DomId own_domid)
      : handles_(std::move(handles)), own_domid_(own_domid) {}
  std::shared_ptr<Handles> handles_;
  DomId own_domid_;
};

}  // namespace cxxenstored::xen
