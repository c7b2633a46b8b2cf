#include "workload.h"

#include <atomic>
#include <unistd.h>

namespace xsperf {

namespace {
constexpr Workload kWorkloads[] = {
    {"seq-read", "one client, one read at a time", run_seq_read, true},
    {"pipelined-read", "one client, --depth reads in flight", run_pipelined_read, true},
    {"seq-write-new", "one client, writes of new nodes one at a time", run_seq_write_new, true},
    {"large-directory", "listings of a directory with --dir-size children", run_large_directory, true},
    {"tx-disjoint", "--threads transactions at once on disjoint subtrees", run_tx_disjoint, true},
    {"tx-conflict", "--threads read-modify-write counter transactions; checks no lost update",
     run_tx_conflict, true},
    {"watch-fanout", "--watchers connections watch one subtree; every event checked", run_watch_fanout, true},
    {"vm-storm", "--threads toolstack threads create --vms libxl-shaped VMs, one transaction each",
     run_vm_storm, true},
    {"idle-conns", "read latency with --idle idle connections open vs none", run_idle_conns, true},
    {"memory", "fill to --nodes nodes; daemon RSS per node (needs --pid)", run_memory, false},
    {"echo-seq", "raw bound: sequential round trips to xsperf-echo", run_echo_seq, false},
    {"echo-pipelined", "raw bound: --depth round trips in flight to xsperf-echo", run_echo_pipelined, false},
    {"echo-tx", "raw bound: tx-disjoint's messages to xsperf-echo --epoll, 7 round trips per commit", run_echo_tx,
     false},
};
}  // namespace

std::span<const Workload> all_workloads() { return kWorkloads; }

std::string unique_prefix(const std::string& workload) {
  static std::atomic<unsigned> counter{0};
  return "/bench/" + workload + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void remove_quietly(Connection& c, const std::string& path) { (void)c.rm(path); }

std::string make_value(unsigned size, uint64_t index) {
  std::string v = "v" + std::to_string(index) + "-";
  while (v.size() < size) v.push_back(static_cast<char>('a' + v.size() % 26));
  v.resize(size);
  return v;
}

}  // namespace xsperf
