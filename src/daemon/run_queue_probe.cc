#include "cxxenstored/daemon/run_queue_probe.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <charconv>

namespace cxxenstored::daemon {

int usable_cpus() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  return ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
}

std::optional<long> runnable_tasks(std::string_view loadavg) {
  // The fourth field is "runnable/total".
  for (int field = 0; field < 3; ++field) {
    const auto space = loadavg.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    loadavg.remove_prefix(space + 1);
  }
  long runnable = 0;
  const auto [end, error] = std::from_chars(loadavg.data(), loadavg.data() + loadavg.size(), runnable);
  if (error != std::errc() || end == loadavg.data() || end == loadavg.data() + loadavg.size() || *end != '/')
    return std::nullopt;
  return runnable;
}

RunQueueProbe::RunQueueProbe() : fd_(::open("/proc/loadavg", O_RDONLY | O_CLOEXEC)), cpus_(usable_cpus()) {}

RunQueueProbe::~RunQueueProbe() {
  if (fd_ >= 0) ::close(fd_);
}

bool RunQueueProbe::crowded() const {
  if (fd_ < 0) return false;
  char text[128];
  const ssize_t n = ::pread(fd_, text, sizeof text, 0);
  if (n <= 0) return false;
  const auto runnable = runnable_tasks(std::string_view(text, static_cast<std::size_t>(n)));
  return runnable && *runnable - 1 >= cpus_;  // the count includes the caller
}

}  // namespace cxxenstored::daemon
