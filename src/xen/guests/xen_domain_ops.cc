#include "cxxenstored/xen/xen_domain_ops.h"

#include <cerrno>

#include "cxxenstored/protocol/engine.h"

namespace cxxenstored::xen {

void XenDomainOps::register_session(DomId domain, protocol::SessionId id) {
  sessions_[id] = domain;
}

void XenDomainOps::unregister_session(protocol::SessionId id) { sessions_.erase(id); }

void XenDomainOps::forget_domain(DomId domain) { features_.erase(domain); }

Result<bool> XenDomainOps::introduce(protocol::DomainId domain, std::uint64_t mfn,
                                     std::uint32_t port) {
  auto outcome = manager_.introduce(domain, mfn, port);
  if (!outcome) return outcome.error();
  if (*outcome != DomainManager::IntroduceOutcome::kExisting) features_.erase(domain);
  // Only a new guest makes the engine fire @introduceDomain.
  return *outcome == DomainManager::IntroduceOutcome::kNew;
}

Result<void> XenDomainOps::release(protocol::DomainId domain) {
  CXS_TRY(manager_.release(domain));
  forget_domain(domain);
  return {};
}

Result<void> XenDomainOps::resume(protocol::DomainId domain) { return manager_.resume(domain); }

bool XenDomainOps::is_introduced(protocol::DomainId domain) const {
  return manager_.is_introduced(domain);
}

Result<void> XenDomainOps::set_target(protocol::DomainId domain, protocol::DomainId target) {
  return manager_.set_target(domain, target);
}

std::vector<protocol::SessionId> XenDomainOps::connections_of(protocol::DomainId domain) const {
  std::vector<protocol::SessionId> out;
  for (const auto& [id, owner] : sessions_) {
    if (owner == domain) out.push_back(id);
  }
  return out;
}

std::optional<std::uint32_t> XenDomainOps::features(protocol::DomainId domain) const {
  if (!manager_.is_introduced(domain)) return std::nullopt;
  auto it = features_.find(domain);
  return it == features_.end() ? protocol::kServerFeatures : it->second;
}

Result<void> XenDomainOps::set_features(protocol::DomainId domain, std::uint32_t features) {
  if (!manager_.is_introduced(domain)) return Error{ENOENT};
  features_[domain] = features;
  return {};
}

}  // namespace cxxenstored::xen
