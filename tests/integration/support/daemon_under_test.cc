#include "daemon_under_test.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

// Configure-time defaults, set by tests/integration/CMakeLists.txt.
#ifndef CXXENSTORED_DEFAULT_BINARY
#define CXXENSTORED_DEFAULT_BINARY ""
#endif
#ifndef CXXENSTORED_DEFAULT_REFERENCE_DAEMONS
#define CXXENSTORED_DEFAULT_REFERENCE_DAEMONS ""
#endif
#ifndef CXXENSTORED_DEFAULT_XS_PEERS
#define CXXENSTORED_DEFAULT_XS_PEERS ""
#endif

namespace cxxenstored::integration {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Startup is slow under ASan on a loaded 2-core machine: be generous.
constexpr auto kStartTimeout = 20s;
constexpr auto kStopTimeout = 10s;

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::filesystem::path make_run_dir() {
  // Short, because a unix socket path must fit in sun_path (108 bytes).
  std::string tmpl = (std::filesystem::temp_directory_path() / "xsit.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  return tmpl;
}

bool socket_accepts(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

DaemonConfig DaemonConfig::from_environment() {
  DaemonConfig config;
  const std::string kind = env_or("CXXENSTORED_TEST_DAEMON", "cxxenstored");
  if (kind == "reference") {
    config.kind = DaemonKind::reference;
  } else if (kind != "cxxenstored") {
    throw std::runtime_error("CXXENSTORED_TEST_DAEMON must be cxxenstored or reference, not " + kind);
  }
  config.binary = env_or("CXXENSTORED_BINARY", CXXENSTORED_DEFAULT_BINARY);
  config.reference_scripts =
      env_or("CXXENSTORED_REFERENCE_DAEMONS", CXXENSTORED_DEFAULT_REFERENCE_DAEMONS);
  config.peers = env_or("XS_PEERS", CXXENSTORED_DEFAULT_XS_PEERS);
  return config;
}

const char* DaemonConfig::kind_name() const {
  return kind == DaemonKind::reference ? "reference C xenstored" : "cxxenstored";
}

RunningDaemon::RunningDaemon(const DaemonConfig& config)
    : config_(config), run_dir_(make_run_dir()) {
  try {
    if (config_.kind == DaemonKind::reference) {
      start_reference();
    } else {
      start_cxxenstored();
    }
    wait_until_accepting();
  } catch (const std::exception& e) {
    const std::string message = std::string(config_.kind_name()) + " did not start: " +
                                e.what() + "\n--- daemon log ---\n" + log();
    if (pid_ > 0 && !reaped_) stop();
    std::error_code ignored;
    std::filesystem::remove_all(run_dir_, ignored);
    throw std::runtime_error(message);
  }
}

RunningDaemon::~RunningDaemon() {
  if (pid_ > 0 && !reaped_) stop();
  std::error_code ignored;
  std::filesystem::remove_all(run_dir_, ignored);
}

void RunningDaemon::start_cxxenstored() {
  if (config_.binary.empty()) {
    throw std::runtime_error("no cxxenstored binary (set CXXENSTORED_BINARY)");
  }
  // As Debian's init script starts the C daemon, but in the foreground so
  // that this process is its parent and sees how it ends.
  std::vector<std::string> args = {config_.binary, "-N", "--pid-file", pid_file()};
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "XENSTORED_", 10) != 0) envs.emplace_back(*e);
  }
  envs.push_back("XENSTORED_RUNDIR=" + run_dir_.string());

  const std::string log_path = (run_dir_ / "daemon.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  std::vector<char*> c_envs;
  for (auto& e : envs) c_envs.push_back(e.data());
  c_envs.push_back(nullptr);
  const int rc = posix_spawn(&pid_, c_args[0], &actions, nullptr, c_args.data(), c_envs.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot execute " + config_.binary + ": " + std::strerror(rc));
  }
}

void RunningDaemon::start_reference() {
  if (config_.reference_scripts.empty() || config_.peers.empty()) {
    throw std::runtime_error(
        "reference daemons not configured (set CXXENSTORED_REFERENCE_DAEMONS and XS_PEERS, "
        "see docs/testing.md)");
  }
  // start-peer.sh backgrounds the daemon and exits; becoming a subreaper
  // makes the orphaned daemon our child, so stop() can see how it ended.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    throw std::runtime_error(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + std::strerror(errno));
  }
  const auto started =
      run({config_.reference_scripts + "/start-peer.sh", "cxenstored", run_dir_.string()},
          {{"XS_PEERS", config_.peers}, {"XENSTORED_PATH", std::nullopt}}, kStartTimeout);
  if (!started.status.success()) {
    throw std::runtime_error("start-peer.sh: " + started.status.describe() + "\n" + started.err);
  }
  pid_ = static_cast<pid_t>(std::stol(started.out));
}

void RunningDaemon::wait_until_accepting() {
  const auto deadline = Clock::now() + kStartTimeout;
  while (!socket_accepts(socket_path())) {
    if (!running()) throw std::runtime_error("exited during start with " + end_.describe());
    if (Clock::now() > deadline) throw std::runtime_error(socket_path() + " never accepted");
    std::this_thread::sleep_for(20ms);
  }
}

bool RunningDaemon::running() {
  if (reaped_) return false;
  int status = 0;
  const pid_t got = waitpid(pid_, &status, WNOHANG);
  if (got == pid_) {
    reaped_ = true;
    end_ = ExitStatus::from_wait_status(status);
    return false;
  }
  // Not our child (no subreaper support): all we can tell is whether it lives.
  if (got < 0 && errno == ECHILD) return kill(pid_, 0) == 0;
  return true;
}

ExitStatus RunningDaemon::stop() {
  if (!running()) return end_;
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + kStopTimeout;
  while (running()) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      reaped_ = true;
      end_ = ExitStatus::from_wait_status(status);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  return end_;
}

std::string RunningDaemon::describe_end() const {
  return reaped_ ? end_.describe() : "still running";
}

bool RunningDaemon::ended_cleanly(const ExitStatus& status) const {
  if (status.success()) return true;
  return config_.kind == DaemonKind::reference && status.signaled && status.signal == SIGTERM;
}

std::string RunningDaemon::log() const {
  std::ifstream in(run_dir_ / "daemon.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cxxenstored::integration
