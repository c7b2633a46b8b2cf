#include "cxxenstored/store/quota.h"

#include "cxxenstored/store/accounting.h"

namespace cxxenstored::store {

namespace {
constexpr std::array<std::string_view, kQuotaNameCount> kNames = {
    "nodes", "watches", "transactions", "outstanding", "transaction-nodes",
    "memory", "node-size", "path-max", "permissions",
};
}  // namespace

std::string_view quota_name(QuotaName name) { return kNames[static_cast<std::size_t>(name)]; }

std::optional<QuotaName> quota_by_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<QuotaName>(i);
  }
  return std::nullopt;
}

bool quota_is_per_domain(QuotaName name) {
  switch (name) {
    case QuotaName::kNodes:
    case QuotaName::kWatches:
    case QuotaName::kTransactions:
    case QuotaName::kOutstanding:
    case QuotaName::kMemory: return true;
    default: return false;
  }
}

std::optional<std::size_t> DomainQuotas::get(DomainId domain, QuotaName name) const {
  auto it = values_.find(domain);
  if (it == values_.end()) return std::nullopt;
  return it->second[static_cast<std::size_t>(name)];
}

void DomainQuotas::set(DomainId domain, QuotaName name, std::size_t value) {
  values_[domain][static_cast<std::size_t>(name)] = value;
}

std::size_t charged_node_size(std::size_t perm_count, std::size_t value_size,
                              std::size_t child_name_bytes) {
  // The C daemon's on-disk record: a 24-byte header, then 8 bytes per
  // permission (domid + access), the value and the NUL-terminated child names.
  constexpr std::size_t kHeader = 24;
  constexpr std::size_t kPerPermission = 8;
  return kHeader + kPerPermission * perm_count + value_size + child_name_bytes;
}

std::size_t charged_node_memory(std::size_t path_length, std::size_t perm_count,
                                std::size_t value_size, std::size_t child_name_bytes) {
  return charged_node_size(perm_count, value_size, child_name_bytes) + path_length;
}

namespace {
void add_to(std::unordered_map<DomainId, std::int64_t>& table, DomainId domain, std::int64_t n) {
  if (n == 0) return;
  auto& value = table[domain];
  value += n;
  if (value == 0) table.erase(domain);
}
}  // namespace

void Usage::apply(const UsageDelta& delta) {
  for (const UsageDelta::Entry& e : delta.entries()) {
    add_to(nodes_, e.domain, e.nodes);
    add_to(bytes_, e.domain, e.bytes);
  }
}

}  // namespace cxxenstored::store
