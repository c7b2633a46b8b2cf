// Starts one xenstored for one test: either the cxxenstored binary built by
// this project or Debian's C xenstored (through the shared reference-daemons
// scripts), each in a private run directory, so the same tests prove
// themselves on the reference and then hold ours to the same behaviour.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "subprocess.h"

namespace cxxenstored::integration {

enum class DaemonKind {
  cxxenstored,  // this project's daemon
  reference,    // Debian bookworm's C xenstored (Xen 4.17)
};

// Which daemon to start and where its pieces are. Every field comes from the
// environment when set there, else from what CMake found at configure time.
struct DaemonConfig {
  DaemonKind kind = DaemonKind::cxxenstored;
  std::string binary;             // CXXENSTORED_BINARY
  std::string reference_scripts;  // CXXENSTORED_REFERENCE_DAEMONS (start-peer.sh)
  std::string peers;              // XS_PEERS (fetch-peers.sh output)

  // CXXENSTORED_TEST_DAEMON selects the kind: "cxxenstored" or "reference".
  static DaemonConfig from_environment();
  const char* kind_name() const;
};

class RunningDaemon {
 public:
  // Starts the daemon and returns once its socket accepts connections.
  // Throws std::runtime_error (with the daemon's log) when it cannot start.
  explicit RunningDaemon(const DaemonConfig& config);
  RunningDaemon(const RunningDaemon&) = delete;
  RunningDaemon& operator=(const RunningDaemon&) = delete;
  // Stops the daemon if still running and removes its run directory.
  ~RunningDaemon();

  const DaemonConfig& config() const { return config_; }
  const std::filesystem::path& run_dir() const { return run_dir_; }
  std::string socket_path() const { return (run_dir_ / "socket").string(); }
  std::string pid_file() const { return (run_dir_ / "xenstored.pid").string(); }
  pid_t pid() const { return pid_; }

  // True while the process has not exited. Reaps it (remembering how it
  // ended) if it has.
  bool running();

  // Sends SIGTERM and waits (10 s, then SIGKILL) for the daemon to end.
  ExitStatus stop();

  // How the daemon ended, once it has; "still running" otherwise.
  std::string describe_end() const;

  // True when `status` is a normal end after SIGTERM for this kind: ours must
  // exit with status 0; Debian's C daemon has no SIGTERM handler and dies of
  // the signal.
  bool ended_cleanly(const ExitStatus& status) const;

  // The daemon's stdout+stderr so far.
  std::string log() const;

 private:
  void start_cxxenstored();
  void start_reference();
  void wait_until_accepting();

  DaemonConfig config_;
  std::filesystem::path run_dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  ExitStatus end_;
};

}  // namespace cxxenstored::integration
