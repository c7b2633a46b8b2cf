// The daemon under soak: either started here (--daemon) in a private run
// folder, or an already running one (--socket, --pid). Gives its socket,
// whether it still lives, and its resident memory.
#pragma once

#include <sys/types.h>

#include <string>

namespace xssoak {

class DaemonProcess {
 public:
  // Starts `binary -N` with XENSTORED_RUNDIR set to a new temporary folder
  // and waits for its socket. Throws std::runtime_error on failure.
  static DaemonProcess start(const std::string& binary);
  // A daemon someone else runs (pid 0: unknown, no RSS or liveness checks).
  static DaemonProcess attach(const std::string& socket, pid_t pid);

  DaemonProcess(DaemonProcess&& other) noexcept;
  DaemonProcess& operator=(DaemonProcess&&) = delete;
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  // Stops a daemon this object started (SIGTERM, then SIGKILL).
  ~DaemonProcess();

  const std::string& socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  bool alive() const;
  // VmRSS in KiB, -1 when unknown.
  long rss_kib() const;
  // For a daemon started here: SIGTERM and the exit status (-1 if killed).
  int stop();

 private:
  DaemonProcess() = default;

  std::string socket_;
  std::string run_dir_;
  pid_t pid_ = 0;
  bool owned_ = false;
};

}  // namespace xssoak
