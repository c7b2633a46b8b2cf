#include "cxxenstored/protocol/domain_ops.h"

#include <algorithm>
#include <cerrno>

#include <xen/io/xs_wire.h>

namespace cxxenstored::protocol {

NoHypervisorDomainOps::NoHypervisorDomainOps()
    : dom0_features_(XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR) {}

void NoHypervisorDomainOps::register_session(SessionId id) { sessions_.push_back(id); }

void NoHypervisorDomainOps::unregister_session(SessionId id) { std::erase(sessions_, id); }

Result<bool> NoHypervisorDomainOps::introduce(DomainId domain, std::uint64_t, std::uint32_t) {
  // dom0 is introduced from the start; re-introducing it only rebinds its
  // event channel in the C daemon, which here has nothing to rebind. No
  // other domain's ring can be mapped without a hypervisor.
  if (domain == 0) return false;
  return Error{ENOSYS};
}

Result<void> NoHypervisorDomainOps::release(DomainId) { return Error{ENOENT}; }

Result<void> NoHypervisorDomainOps::resume(DomainId) { return Error{ENOENT}; }

bool NoHypervisorDomainOps::is_introduced(DomainId domain) const { return domain == 0; }

Result<void> NoHypervisorDomainOps::set_target(DomainId domain, DomainId target) {
  if (domain != 0 || target != 0) return Error{ENOENT};
  return {};
}

std::vector<SessionId> NoHypervisorDomainOps::connections_of(DomainId domain) const {
  if (domain != 0) return {};
  return sessions_;
}

std::optional<std::uint32_t> NoHypervisorDomainOps::features(DomainId domain) const {
  if (domain != 0) return std::nullopt;
  return dom0_features_;
}

Result<void> NoHypervisorDomainOps::set_features(DomainId domain, std::uint32_t features) {
  if (domain != 0) return Error{ENOENT};
  dom0_features_ = features;
  return {};
}

}  // namespace cxxenstored::protocol
