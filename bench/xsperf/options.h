// xsperf's command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace xsperf {

struct Options {
  std::string workload;
  std::string socket_path;      // --socket; default as libxenstore finds it
  std::string label = "daemon"; // --label: names the daemon in the output
  uint64_t ops = 20000;         // --ops: operations per measured phase
  double max_seconds = 10;      // --max-seconds: each measured phase stops here
  unsigned threads = 8;         // --threads: client threads (transactions, vm-storm)
  unsigned depth = 64;          // --depth: requests in flight (pipelined-read)
  unsigned watchers = 100;      // --watchers
  uint64_t events = 200;        // --events: writes observed by every watcher
  uint64_t vms = 100;           // --vms: VMs created by vm-storm
  unsigned dir_size = 1000;     // --dir-size: children of the large directory
  unsigned idle = 1000;         // --idle: idle connections (idle-conns)
  uint64_t nodes = 1000000;     // --nodes: store size for the memory workload
  int pid = 0;                  // --pid: daemon pid (RSS for memory; CPU time for all)
  unsigned value_size = 16;     // --value-size: bytes per value written/read
  unsigned tx_writes = 4;       // --tx-writes: writes per disjoint transaction
  unsigned counters = 1;        // --counters: contended counters (tx-conflict)
};

// Parses argv; prints usage and returns nullopt on a bad command line.
std::optional<Options> parse_options(int argc, char** argv);
void print_usage();

}  // namespace xsperf
