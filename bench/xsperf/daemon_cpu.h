// CPU time the daemon under test spends during a measured phase. On a busy
// machine wall-clock rates vary from run to run; the daemon's own CPU time
// per operation is a steadier measure of its efficiency, so every workload
// reports it when the daemon's pid is known (--pid).
#pragma once

#include <optional>

namespace xsperf {

// User plus system CPU seconds a process has used, from /proc/PID/stat;
// nullopt when the process cannot be read.
std::optional<double> process_cpu_seconds(int pid);

// Brackets a measured phase: construct before, call elapsed() after.
class DaemonCpuProbe {
 public:
  explicit DaemonCpuProbe(int pid) : pid_(pid), start_(pid > 0 ? process_cpu_seconds(pid) : std::nullopt) {}
  // CPU seconds the daemon used since construction, or -1 when unknown.
  double elapsed() const;

 private:
  int pid_;
  std::optional<double> start_;
};

}  // namespace xsperf
