// Whether other runnable tasks already fill the CPUs the daemon may use.
// The polling event loop asks before it polls: if they do, the time it would
// spend polling belongs to them (KVM stops halt polling when another task is
// runnable on the CPU, for the same reason).
#pragma once

#include <optional>
#include <string_view>

namespace cxxenstored::daemon {

// How many CPUs this thread may run on (1 if the kernel will not say).
int usable_cpus();

// The number of runnable tasks in /proc/loadavg's text ("0.12 0.34 0.56
// 3/123 4567": 3), or nothing if the text is not in that form.
std::optional<long> runnable_tasks(std::string_view loadavg);

class RunQueueProbe {
 public:
  // Keeps /proc/loadavg open; without it (no procfs) crowded() is false.
  RunQueueProbe();
  ~RunQueueProbe();
  RunQueueProbe(const RunQueueProbe&) = delete;
  RunQueueProbe& operator=(const RunQueueProbe&) = delete;

  // True if, besides the caller, at least as many tasks are runnable as the
  // caller has CPUs. One read of /proc/loadavg.
  bool crowded() const;

 private:
  int fd_;
  int cpus_;
};

}  // namespace cxxenstored::daemon
