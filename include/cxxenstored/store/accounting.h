// How many nodes each domain owns, for the nodes-per-domain quota.
//
// The live table lives in the Store; every edit (live or in a transaction)
// keeps only a delta, so starting a transaction copies nothing.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "cxxenstored/store/path.h"

namespace cxxenstored::store {

class UsageDelta {
 public:
  void add_nodes(DomainId domain, std::int64_t n) {
    if (n != 0) nodes_[domain] += n;
  }
  std::int64_t nodes(DomainId domain) const {
    auto it = nodes_.find(domain);
    return it == nodes_.end() ? 0 : it->second;
  }
  const std::unordered_map<DomainId, std::int64_t>& all() const { return nodes_; }
  void clear() { nodes_.clear(); }

 private:
  std::unordered_map<DomainId, std::int64_t> nodes_;
};

class Usage {
 public:
  std::int64_t nodes(DomainId domain) const {
    auto it = nodes_.find(domain);
    return it == nodes_.end() ? 0 : it->second;
  }
  void apply(const UsageDelta& delta);
  // Forgets a domain (after its nodes were removed or handed to dom0).
  void erase(DomainId domain) { nodes_.erase(domain); }
  const std::unordered_map<DomainId, std::int64_t>& all() const { return nodes_; }

 private:
  std::unordered_map<DomainId, std::int64_t> nodes_;
};

}  // namespace cxxenstored::store
