// What each domain owns in the store: how many nodes (the nodes-per-domain
// quota) and how many bytes of node records (its share of the memory quota,
// charged as the C daemon charges a node: record size plus path length).
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
  void add_bytes(DomainId domain, std::int64_t n) {
    if (n != 0) bytes_[domain] += n;
  }
  std::int64_t nodes(DomainId domain) const { return get(nodes_, domain); }
  std::int64_t bytes(DomainId domain) const { return get(bytes_, domain); }
  const std::unordered_map<DomainId, std::int64_t>& all() const { return nodes_; }
  const std::unordered_map<DomainId, std::int64_t>& all_bytes() const { return bytes_; }
  void clear() {
    nodes_.clear();
    bytes_.clear();
  }

 private:
  static std::int64_t get(const std::unordered_map<DomainId, std::int64_t>& m, DomainId d) {
    auto it = m.find(d);
    return it == m.end() ? 0 : it->second;
  }
  std::unordered_map<DomainId, std::int64_t> nodes_;
  std::unordered_map<DomainId, std::int64_t> bytes_;
};

class Usage {
 public:
  std::int64_t nodes(DomainId domain) const { return get(nodes_, domain); }
  // Bytes of the node records the domain owns.
  std::int64_t bytes(DomainId domain) const { return get(bytes_, domain); }
  // Bytes charged to the domain outside the tree (its watches: path and
  // token, as the C daemon charges them); the engine keeps these.
  std::int64_t extra_bytes(DomainId domain) const { return get(extra_bytes_, domain); }
  void add_extra_bytes(DomainId domain, std::int64_t n) {
    if (n == 0) return;
    if ((extra_bytes_[domain] += n) == 0) extra_bytes_.erase(domain);
  }
  // Everything counted against the domain's memory quota.
  std::int64_t memory(DomainId domain) const { return bytes(domain) + extra_bytes(domain); }
  void apply(const UsageDelta& delta);
  // Forgets a domain's nodes (after they were removed or handed to dom0);
  // its extra bytes go when whoever charged them releases them.
  void erase(DomainId domain) {
    nodes_.erase(domain);
    bytes_.erase(domain);
  }
  // Forgets every node count and byte (before a recount of a new tree);
  // extra bytes stay with whoever charged them.
  void clear_tree_counts() {
    nodes_.clear();
    bytes_.clear();
  }
  // Node counts per domain (zero entries are never kept).
  const std::unordered_map<DomainId, std::int64_t>& all() const { return nodes_; }
  // Node-record bytes per domain (zero entries are never kept).
  const std::unordered_map<DomainId, std::int64_t>& all_bytes() const { return bytes_; }

 private:
  static std::int64_t get(const std::unordered_map<DomainId, std::int64_t>& m, DomainId d) {
    auto it = m.find(d);
    return it == m.end() ? 0 : it->second;
  }
  std::unordered_map<DomainId, std::int64_t> nodes_;
  std::unordered_map<DomainId, std::int64_t> bytes_;
  std::unordered_map<DomainId, std::int64_t> extra_bytes_;
};

}  // namespace cxxenstored::store
