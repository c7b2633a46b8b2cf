// Limits the store enforces on unprivileged callers, and the per-domain
// overrides of every quota (Xen master's SET_QUOTA with a domid). Defaults
// are the C daemon's (xenstored 4.17); the daemon's command line overrides
// them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "cxxenstored/store/path.h"

namespace cxxenstored::store {

// Every quota by its C daemon name, in the order "xenstore-control quota"
// lists them.
enum class QuotaName : std::uint8_t {
  kNodes,             // "nodes"
  kWatches,           // "watches"
  kTransactions,      // "transactions"
  kOutstanding,       // "outstanding"
  kTransactionNodes,  // "transaction-nodes"
  kMemory,            // "memory"
  kNodeSize,          // "node-size"
  kPathMax,           // "path-max"
  kPermissions,       // "permissions"
};
inline constexpr std::size_t kQuotaNameCount = 9;

std::string_view quota_name(QuotaName name);
std::optional<QuotaName> quota_by_name(std::string_view name);
// Whether a domain may have its own value: the quotas that count something
// a domain accumulates (nodes, watches, transactions, outstanding requests,
// memory). The others bound one request, node or path and stay global.
bool quota_is_per_domain(QuotaName name);

// Per-domain values that override the global ones for that domain only.
class DomainQuotas {
 public:
  std::optional<std::size_t> get(DomainId domain, QuotaName name) const;
  void set(DomainId domain, QuotaName name, std::size_t value);
  // The domain is gone: a new domain reusing its id starts from the globals.
  void forget(DomainId domain) { values_.erase(domain); }
  bool empty() const { return values_.empty(); }

 private:
  std::unordered_map<DomainId, std::array<std::optional<std::size_t>, kQuotaNameCount>> values_;
};

struct Quotas {
  std::size_t nodes_per_domain = 1000;     // -E/--entry-nb      ("nodes")
  std::size_t node_size = 2048;            // -S/--entry-size    ("node-size")
  std::size_t perms_per_node = 5;          // -A/--perm-nb       ("permissions")
  std::size_t path_length = kDefaultMaxRelativePath;  // -M/--path-max ("path-max")
  std::size_t transaction_nodes = 1024;    // -Q transaction-nodes: nodes a transaction may touch
  // -Q memory= ("memory"): bytes of node records a domain may own; 0 means
  // no limit, as in the C daemon. The engine installs Limits' value here.
  std::size_t memory_per_domain = 2621440;
  DomainQuotas per_domain;

  // The value that applies to domain: its own, else the global one.
  std::size_t nodes_for(DomainId domain) const {
    return per_domain.get(domain, QuotaName::kNodes).value_or(nodes_per_domain);
  }
  std::size_t memory_for(DomainId domain) const {
    return per_domain.get(domain, QuotaName::kMemory).value_or(memory_per_domain);
  }
};

// A node's size as the C daemon charges it against node_size: its record
// header (24 bytes), 8 bytes per permission entry, the value, and each child
// name with its NUL.
std::size_t charged_node_size(std::size_t perm_count, std::size_t value_size,
                              std::size_t child_name_bytes);

// What a node costs its owner against the memory quota: the record (as
// charged_node_size) plus the length of its path, the C daemon's database
// key (xenstored 4.17 db_write charges record size + key size).
std::size_t charged_node_memory(std::size_t path_length, std::size_t perm_count,
                                std::size_t value_size, std::size_t child_name_bytes);

}  // namespace cxxenstored::store
