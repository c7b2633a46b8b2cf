// The named workloads. Each runs against a daemon socket, bounded by the
// options' op counts and --max-seconds, and returns what it measured; a
// failure to talk to the daemon at all is an Error.
#pragma once

#include <span>
#include <string>

#include "options.h"
#include "report.h"
#include "xs_client.h"

namespace xsperf {

using WorkloadFn = Result<Report> (*)(const Options&);

struct Workload {
  const char* name;
  const char* summary;
  WorkloadFn run;
  bool in_all;  // part of "xsperf all"
};

std::span<const Workload> all_workloads();

Result<Report> run_seq_read(const Options& o);
Result<Report> run_pipelined_read(const Options& o);
Result<Report> run_seq_write_new(const Options& o);
Result<Report> run_large_directory(const Options& o);
Result<Report> run_tx_disjoint(const Options& o);
Result<Report> run_tx_conflict(const Options& o);
Result<Report> run_watch_fanout(const Options& o);
Result<Report> run_vm_storm(const Options& o);
Result<Report> run_idle_conns(const Options& o);
Result<Report> run_memory(const Options& o);
Result<Report> run_echo_seq(const Options& o);
Result<Report> run_echo_pipelined(const Options& o);
Result<Report> run_echo_tx(const Options& o);

// A subtree no other run uses, so runs against one daemon do not collide:
// /bench/<workload>-<pid>-<counter>.
std::string unique_prefix(const std::string& workload);

// Removes a subtree after a run (outside the measured phase).
void remove_quietly(Connection& c, const std::string& path);

// A value of the requested size, distinguishable per index.
std::string make_value(unsigned size, uint64_t index);

}  // namespace xsperf
