// Memory: fill the daemon with libxl-shaped domains up to --nodes nodes and
// report how much its resident set grew per node.
#include <fstream>
#include <thread>

#include "daemon_cpu.h"
#include "request_loops.h"
#include "vm_shape.h"
#include "workload.h"

namespace xsperf {

namespace {

// Far above any domid vm-storm uses, so both can run on one daemon.
constexpr unsigned kFirstDomid = 100000;

// VmRSS of a process in kB, from /proc/PID/status.
Result<uint64_t> resident_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  if (!status) return Error{ESRCH};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return Error{ENOENT};
}

}  // namespace

Result<Report> run_memory(const Options& o) {
  if (o.pid <= 0) return Error{EINVAL};
  auto c = Connection::open(o.socket_path, 120000);
  if (!c) return c.error();
  for (const auto& p : vm_shared_parents()) CXS_TRY(c->mkdir(p));
  auto before = resident_kb(o.pid);
  if (!before) return before.error();

  const DaemonCpuProbe cpu(o.pid);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.max_seconds));
  unsigned domid = kFirstDomid;
  std::vector<VmNode> current;
  size_t pos = 0;
  uint64_t written = 0;
  auto refused = pipelined_writes(
      *c,
      [&](std::string& path, std::string& value) {
        if (written >= o.nodes) return false;
        if (pos == current.size()) {
          if (Clock::now() >= deadline) return false;
          current = libxl_domain_nodes(domid++);
          pos = 0;
        }
        path = current[pos].path;
        value = current[pos].value;
        ++pos;
        ++written;
        return true;
      },
      64);
  if (!refused) return refused.error();
  const double seconds = seconds_between(start, Clock::now());
  const double cpu_seconds = cpu.elapsed();
  // Let a garbage-collected daemon settle before sampling.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto after = resident_kb(o.pid);
  if (!after) return after.error();

  Report r;
  r.workload = "memory";
  r.unit = "nodes";
  r.ops = written - *refused;
  r.seconds = seconds;
  r.errors = *refused;
  r.daemon_cpu_seconds = cpu_seconds;
  // A fill cut short by --max-seconds still measures RSS per node, at the
  // size reached; "complete" says whether that is the size asked for.
  r.ok = *refused == 0;
  r.add("complete", written == o.nodes ? "1" : "0");
  r.add("rss_before_kb", static_cast<double>(*before));
  r.add("rss_after_kb", static_cast<double>(*after));
  const double delta = static_cast<double>(*after) - static_cast<double>(*before);
  r.add("bytes_per_node", r.ops ? delta * 1024.0 / static_cast<double>(r.ops) : 0.0);
  r.add("domains", domid - kFirstDomid);
  return r;
}

}  // namespace xsperf
