// What each domain owns in the store: how many nodes (the nodes-per-domain
// quota) and how many bytes of node records (its share of the memory quota,
// charged as the C daemon charges a node: record size plus path length).
//
// The live table lives in the Store; every edit (live or in a transaction)
// keeps only a delta, so starting a transaction copies nothing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "cxxenstored/store/path.h"

namespace cxxenstored::store {

// A change to the table, per domain. An operation touches one or two
// domains (the caller's and a parent's owner), so a short list searched
// in order beats a hash table, and two entries in place mean a write
// allocates nothing for its accounting.
class UsageDelta {
 public:
  struct Entry {
    DomainId domain;
    std::int64_t nodes;
    std::int64_t bytes;
  };

  void add_nodes(DomainId domain, std::int64_t n) {
    if (n != 0) at(domain).nodes += n;
  }
  void add_bytes(DomainId domain, std::int64_t n) {
    if (n != 0) at(domain).bytes += n;
  }
  std::int64_t nodes(DomainId domain) const {
    const Entry* e = find(domain);
    return e ? e->nodes : 0;
  }
  std::int64_t bytes(DomainId domain) const {
    const Entry* e = find(domain);
    return e ? e->bytes : 0;
  }
  // Every domain with a change (either count may be zero).
  std::span<const Entry> entries() const {
    if (!spill_.empty()) return spill_;
    return std::span<const Entry>(inline_.data(), count_);
  }
  void clear() {
    count_ = 0;
    spill_.clear();
  }

 private:
  std::span<Entry> mutable_entries() {
    if (!spill_.empty()) return spill_;
    return std::span<Entry>(inline_.data(), count_);
  }
  const Entry* find(DomainId domain) const {
    for (const Entry& e : entries())
      if (e.domain == domain) return &e;
    return nullptr;
  }
  Entry& at(DomainId domain) {
    for (Entry& e : mutable_entries())
      if (e.domain == domain) return e;
    if (spill_.empty()) {
      if (count_ < inline_.size()) return inline_[count_++] = Entry{domain, 0, 0};
      spill_.assign(inline_.begin(), inline_.end());  // a third domain: all move to the heap
    }
    return spill_.emplace_back(Entry{domain, 0, 0});
  }

  std::array<Entry, 2> inline_{};
  std::size_t count_ = 0;     // entries used in inline_ while spill_ is empty
  std::vector<Entry> spill_;  // every entry, once there are more than inline_ holds
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
