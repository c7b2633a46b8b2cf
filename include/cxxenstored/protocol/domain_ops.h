// What the request engine needs from the domain/hypervisor side for
// INTRODUCE, RELEASE, RESUME, SET_TARGET, IS_DOMAIN_INTRODUCED and the
// domain-scoped parts of GET_FEATURE/SET_FEATURE. The Xen implementation
// (rings, event channels) lives in the xen part; NoHypervisorDomainOps
// answers as the C daemon does when no guest can ever be introduced.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cxxenstored/store/path.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::protocol {

using store::DomainId;
// Identifies one client connection (same value space as watch::SubscriberId).
using SessionId = std::uint64_t;

class DomainOps {
 public:
  virtual ~DomainOps() = default;

  // XS_INTRODUCE with arguments already parsed and range-checked. Returns
  // true when the domain is new (the engine then fires @introduceDomain),
  // false when an already introduced domain was re-introduced.
  virtual Result<bool> introduce(DomainId domain, std::uint64_t mfn, std::uint32_t port) = 0;
  // XS_RELEASE: forgets the domain's connection. ENOENT when unknown. The
  // engine then removes its nodes and fires @releaseDomain.
  virtual Result<void> release(DomainId domain) = 0;
  // XS_RESUME: clears the domain's shutdown state. ENOENT when unknown.
  virtual Result<void> resume(DomainId domain) = 0;
  virtual bool is_introduced(DomainId domain) const = 0;
  // XS_SET_TARGET: domain may act on target's nodes. ENOENT when either is
  // unknown.
  virtual Result<void> set_target(DomainId domain, DomainId target) = 0;
  // The client connections belonging to a domain (so the engine can update
  // their caller after SET_TARGET, or drop them).
  virtual std::vector<SessionId> connections_of(DomainId domain) const = 0;
  // Per-domain feature bits (GET_FEATURE/SET_FEATURE); nullopt when the
  // domain is unknown.
  virtual std::optional<std::uint32_t> features(DomainId domain) const = 0;
  virtual Result<void> set_features(DomainId domain, std::uint32_t features) = 0;
};

// No hypervisor: dom0 (every socket client) is the only domain there is.
// Introducing dom0 again succeeds; introducing anyone else fails with
// ENOSYS (no ring can be mapped); release/resume of others ENOENT.
class NoHypervisorDomainOps final : public DomainOps {
 public:
  NoHypervisorDomainOps();
  // register_session/unregister_session keep connections_of(0) correct.
  void register_session(SessionId id);
  void unregister_session(SessionId id);

  Result<bool> introduce(DomainId domain, std::uint64_t mfn, std::uint32_t port) override;
  Result<void> release(DomainId domain) override;
  Result<void> resume(DomainId domain) override;
  bool is_introduced(DomainId domain) const override;
  Result<void> set_target(DomainId domain, DomainId target) override;
  std::vector<SessionId> connections_of(DomainId domain) const override;
  std::optional<std::uint32_t> features(DomainId domain) const override;
  Result<void> set_features(DomainId domain, std::uint32_t features) override;

 private:
  std::vector<SessionId> sessions_;
  std::uint32_t dom0_features_;
};

}  // namespace cxxenstored::protocol
