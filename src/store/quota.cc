#include "cxxenstored/store/accounting.h"
#include "cxxenstored/store/quota.h"

namespace cxxenstored::store {

std::size_t charged_node_size(std::size_t perm_count, std::size_t value_size,
                              std::size_t child_name_bytes) {
  // The C daemon's on-disk record: a 24-byte header, then 8 bytes per
  // permission (domid + access), the value and the NUL-terminated child names.
  constexpr std::size_t kHeader = 24;
  constexpr std::size_t kPerPermission = 8;
  return kHeader + kPerPermission * perm_count + value_size + child_name_bytes;
}

void Usage::apply(const UsageDelta& delta) {
  for (const auto& [domain, n] : delta.all()) {
    auto& count = nodes_[domain];
    count += n;
    if (count == 0) nodes_.erase(domain);
  }
}

}  // namespace cxxenstored::store
