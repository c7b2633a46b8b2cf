#include "cxxenstored/xen/xen_guest_support.h"

namespace cxxenstored::xen {

XenGuestSupport::XenGuestSupport(boost::asio::io_context& io,
                                 std::unique_ptr<Hypervisor> hypervisor,
                                 std::function<void(Error)> on_fatal)
    : io_(io),
      hypervisor_(std::move(hypervisor)),
      dispatcher_(io.get_executor(), *hypervisor_, std::move(on_fatal)),
      manager_(io.get_executor(), *hypervisor_, dispatcher_),
      ops_(manager_) {}

XenGuestSupport::~XenGuestSupport() { dispatcher_.stop(); }

void XenGuestSupport::attach(protocol::Engine& engine, connection::ConnectionSet& connections,
                             connection::TraceSink* trace, connection::ConnectionOptions options,
                             std::optional<DomId> priv_domid) {
  guests_.emplace(io_, manager_, ops_, engine, connections, trace, options, priv_domid);
}

Result<void> XenGuestSupport::start(bool introduce_own_domain) {
  CXS_TRY(dispatcher_.start());
  CXS_TRY(manager_.start());
  if (introduce_own_domain) CXS_TRY(manager_.introduce_own_domain());
  return {};
}

void XenGuestSupport::stop() { dispatcher_.stop(); }

std::vector<XenGuestSupport::RingHandover> XenGuestSupport::begin_handover() {
  std::vector<RingHandover> out;
  for (auto& domain : manager_.begin_handover()) {
    RingHandover h;
    h.domid = domain.domid;
    h.local_port = domain.local_port;
    h.target = domain.target;
    if (guests_) h.session = guests_->session_of(domain.domid);
    h.unsent = std::move(domain.unsent);
    out.push_back(std::move(h));
  }
  return out;
}

Result<void> XenGuestSupport::cancel_handover() { return manager_.cancel_handover(); }

Result<protocol::SessionId> XenGuestSupport::adopt_ring(DomId domid, EvtchnPort local_port,
                                                         std::optional<DomId> target) {
  // Without attach() the new connection would have nowhere to go.
  if (!guests_) return Error{EINVAL};
  CXS_TRY(manager_.adopt(domid, local_port, target));
  auto session = guests_->session_of(domid);
  if (!session) return Error{EIO};
  return *session;
}

}  // namespace cxxenstored::xen
