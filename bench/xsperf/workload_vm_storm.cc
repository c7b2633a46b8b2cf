// VM-creation storm: toolstack threads each creating whole domains, one
// transaction per domain (~65 nodes), retrying on EAGAIN as libxl does.
#include <atomic>

#include "client_threads.h"
#include "tx_retry.h"
#include "vm_shape.h"
#include "workload.h"

namespace xsperf {

namespace {
constexpr unsigned kFirstDomid = 1;

void remove_vms(Connection& c, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i)
    for (const auto& root : vm_roots(static_cast<unsigned>(kFirstDomid + i))) remove_quietly(c, root);
}
}  // namespace

Result<Report> run_vm_storm(const Options& o) {
  auto setup = Connection::open(o.socket_path);
  if (!setup) return setup.error();
  for (const auto& p : vm_shared_parents()) CXS_TRY(setup->mkdir(p));
  remove_vms(*setup, o.vms);  // leftovers of an interrupted run

  std::vector<std::vector<VmNode>> vms;
  for (uint64_t i = 0; i < o.vms; ++i) vms.push_back(libxl_domain_nodes(static_cast<unsigned>(kFirstDomid + i)));

  auto conns = open_many(o, o.threads);
  if (!conns) return conns.error();
  std::atomic<uint64_t> next{0};
  // Which VMs were committed: when --max-seconds cuts the run, the VMs then
  // in flight are abandoned while later ones may have been committed, so
  // the committed VMs are not simply the first r.ops. Each index is taken
  // by one thread alone.
  std::vector<char> committed(vms.size(), 0);
  std::vector<ThreadOutcome> out;
  auto timing = run_threads(o, *conns, out, [&](size_t, Connection& c, ThreadOutcome& me, Clock::time_point deadline) {
    for (uint64_t i = next++; i < vms.size() && Clock::now() < deadline; i = next++) {
      if (!timed_transaction(c, me, deadline,
                             [&](uint32_t tx) -> Result<void> {
            for (const auto& n : vms[i]) {
              CXS_TRY(c.write(n.path, n.value, tx));
              if (!n.perms.empty()) CXS_TRY(c.set_perms(n.path, n.perms, tx));
            }
            return {};
          }))
        return;
      committed[i] = 1;
    }
  });
  if (!timing) return timing.error();
  Report r = merge_outcomes("vm-storm", "vms", *timing, out);

  // Every committed VM must be complete: spot-check each VM's last node.
  for (uint64_t i = 0; i < vms.size(); ++i) {
    if (!committed[i]) continue;
    auto v = setup->read(vms[i].back().path);
    if (!v || *v != vms[i].back().value) ++r.lost;
  }
  r.ok = r.lost == 0;
  r.add("threads", o.threads);
  r.add("nodes_per_vm", static_cast<double>(vms.empty() ? 0 : vms.front().size()));
  r.add("eagain_per_vm", r.ops ? static_cast<double>(r.eagain) / static_cast<double>(r.ops) : 0.0);
  remove_vms(*setup, o.vms);
  return r;
}

}  // namespace xsperf
