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

}  // namespace cxxenstored::xen
