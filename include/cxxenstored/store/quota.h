// Limits the store enforces on unprivileged callers. Defaults are the C
// daemon's (xenstored 4.17); the daemon's command line overrides them.
#pragma once

#include <cstddef>

#include "cxxenstored/store/path.h"

namespace cxxenstored::store {

struct Quotas {
  std::size_t nodes_per_domain = 1000;     // -E/--entry-nb      ("nodes")
  std::size_t node_size = 2048;            // -S/--entry-size    ("node-size")
  std::size_t perms_per_node = 5;          // -A/--perm-nb       ("permissions")
  std::size_t path_length = kDefaultMaxRelativePath;  // -M/--path-max ("path-max")
  std::size_t transaction_nodes = 1024;    // -Q transaction-nodes: nodes a transaction may touch
};

// A node's size as the C daemon charges it against node_size: its record
// header (24 bytes), 8 bytes per permission entry, the value, and each child
// name with its NUL.
std::size_t charged_node_size(std::size_t perm_count, std::size_t value_size,
                              std::size_t child_name_bytes);

}  // namespace cxxenstored::store
