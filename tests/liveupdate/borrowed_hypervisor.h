// A Hypervisor that forwards every call to one owned elsewhere. A daemon
// takes its backend by unique_ptr; tests that play "the old process" and
// "the new process" with two Daemon objects hand each a BorrowedHypervisor
// over the same SimulatedHypervisor, which then stands for what survives
// exec on real Xen (the event channel handle with its bound ports, and the
// guests' pages).
#pragma once

#include "cxxenstored/xen/hypervisor.h"

namespace cxxenstored::liveupdate::testing {

class BorrowedHypervisor final : public xen::Hypervisor {
 public:
  explicit BorrowedHypervisor(xen::Hypervisor& inner) : inner_(inner) {}

  Result<xen::EvtchnPort> bind_interdomain(xen::DomId domid, xen::EvtchnPort remote) override {
    return inner_.bind_interdomain(domid, remote);
  }
  Result<xen::EvtchnPort> bind_virq_dom_exc() override { return inner_.bind_virq_dom_exc(); }
  Result<void> unbind(xen::EvtchnPort port) override { return inner_.unbind(port); }
  Result<void> notify(xen::EvtchnPort port) override { return inner_.notify(port); }
  Result<void> unmask(xen::EvtchnPort port) override { return inner_.unmask(port); }
  int event_fd() const override { return inner_.event_fd(); }
  Result<std::optional<xen::EvtchnPort>> pending() override { return inner_.pending(); }
  Result<xen::RingMapping> map_ring(xen::DomId domid, std::uint64_t frame) override {
    return inner_.map_ring(domid, frame);
  }
  Result<xen::RingMapping> map_dom0_ring() override { return inner_.map_dom0_ring(); }
  Result<xen::EvtchnPort> dom0_ring_port() override { return inner_.dom0_ring_port(); }
  xen::DomId own_domid() const override { return inner_.own_domid(); }
  int handover_fd() const override { return inner_.handover_fd(); }
  Result<void> adopt_interdomain(xen::DomId domid, xen::EvtchnPort port) override {
    return inner_.adopt_interdomain(domid, port);
  }
  Result<std::vector<xen::DomainInfo>> list_domains() override { return inner_.list_domains(); }
  Result<std::optional<xen::DomainInfo>> domain_info(xen::DomId domid) override {
    return inner_.domain_info(domid);
  }

 private:
  xen::Hypervisor& inner_;
};

}  // namespace cxxenstored::liveupdate::testing
