// The xenstore nodes a libxl toolstack creates for one PV/PVH domain with a
// disk and a network interface: /local/domain/N (frontends, console, store,
// memory, cpus), the backends under /local/domain/0/backend, /vm/<uuid> and
// /libxl/N. Used by vm-storm (one transaction per VM) and by the memory
// workload (a realistic shape for a large store).
#pragma once

#include <string>
#include <vector>

namespace xsperf {

struct VmNode {
  std::string path;
  std::string value;
  std::vector<std::string> perms;  // empty: inherit from the parent
};

// Every node in creation order, parents before children, each listed once;
// the nodes that exist before any VM (e.g. /local/domain/0/backend/vbd) are
// not included, see vm_shared_parents().
std::vector<VmNode> libxl_domain_nodes(unsigned domid);

// The nodes every VM's tree hangs from, created once before a storm.
std::vector<std::string> vm_shared_parents();

// Roots of one VM's subtrees, for removing it again.
std::vector<std::string> vm_roots(unsigned domid);

}  // namespace xsperf
