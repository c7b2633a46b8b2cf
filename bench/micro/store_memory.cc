// Heap bytes per node with 10^6 nodes in a realistic shape: 50,000 domains
// with 20 nodes each, short names and values like a host's.
//   build/bench/micro/store_memory [nodes]
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cxxenstored/store/store.h"

int main(int argc, char** argv) {
  using namespace cxxenstored::store;
  const long target = argc > 1 ? std::atol(argv[1]) : 1000000;
  const Caller dom0 = Caller::dom0();
  const std::size_t before = mallinfo2().uordblks;
  Store store;
  long nodes = 3;
  const char* keys[] = {"name", "domid", "vm", "memory/target", "memory/static-max",
                        "cpu/0/availability", "control/shutdown", "device/vif/0/state",
                        "device/vif/0/mac", "console/port", "store/port", "data/updated"};
  for (int d = 1; nodes < target; ++d) {
    const std::string home = "/local/domain/" + std::to_string(d);
    for (const char* key : keys) {
      (void)store.write(dom0, home + "/" + key, "value" + std::to_string(d % 1000));
    }
    nodes = 0;
    for (const auto& [domain, n] : store.usage().all()) nodes += n;
  }
  const std::size_t after = mallinfo2().uordblks;
  std::printf("nodes=%ld heap_bytes=%zu bytes_per_node=%.1f\n", nodes, after - before,
              static_cast<double>(after - before) / static_cast<double>(nodes));
  return 0;
}
