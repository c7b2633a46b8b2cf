// protocol::DomainOps on real (or simulated) Xen: the request engine's
// INTRODUCE, RELEASE, RESUME, IS_DOMAIN_INTRODUCED, SET_TARGET and per-domain
// features, answered by the DomainManager. Also records which client sessions
// belong to which domain (rings and, for dom0, the unix sockets).
#pragma once

#include <map>

#include "cxxenstored/protocol/domain_ops.h"
#include "cxxenstored/xen/domain_manager.h"

namespace cxxenstored::xen {

class XenDomainOps final : public protocol::DomainOps {
 public:
  explicit XenDomainOps(DomainManager& manager) : manager_(manager) {}

  void register_session(DomId domain, protocol::SessionId id);
  void unregister_session(protocol::SessionId id);
  // Forgets a domain's per-domain state (features) once it is gone.
  void forget_domain(DomId domain);

  Result<bool> introduce(protocol::DomainId domain, std::uint64_t mfn, std::uint32_t port) override;
  Result<void> release(protocol::DomainId domain) override;
  Result<void> resume(protocol::DomainId domain) override;
  bool is_introduced(protocol::DomainId domain) const override;
  Result<void> set_target(protocol::DomainId domain, protocol::DomainId target) override;
  std::vector<protocol::SessionId> connections_of(protocol::DomainId domain) const override;
  std::optional<std::uint32_t> features(protocol::DomainId domain) const override;
  Result<void> set_features(protocol::DomainId domain, std::uint32_t features) override;

 private:
  DomainManager& manager_;
  std::map<protocol::SessionId, DomId> sessions_;
  // Features a domain was limited to by SET_FEATURE; absent = all of ours.
  std::map<DomId, std::uint32_t> features_;
};

}  // namespace cxxenstored::xen
