#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace xssoak {
namespace {

bool socket_accepts(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

DaemonProcess DaemonProcess::start(const std::string& binary) {
  DaemonProcess d;
  std::string tmpl = (std::filesystem::temp_directory_path() / "xssoak.XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  d.run_dir_ = tmpl;
  d.socket_ = d.run_dir_ + "/socket";
  d.owned_ = true;
  std::vector<std::string> args = {binary, "-N", "--pid-file", d.run_dir_ + "/xenstored.pid"};
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "XENSTORED_", 10) != 0) envs.emplace_back(*e);
  envs.push_back("XENSTORED_RUNDIR=" + d.run_dir_);
  const std::string log = d.run_dir_ + "/daemon.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = posix_spawn(&d.pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!socket_accepts(d.socket_)) {
    if (!d.alive()) throw std::runtime_error(binary + " exited during start (log: " + log + ")");
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("socket never accepted");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return d;
}

DaemonProcess DaemonProcess::attach(const std::string& socket, pid_t pid) {
  DaemonProcess d;
  d.socket_ = socket;
  d.pid_ = pid;
  return d;
}

DaemonProcess::DaemonProcess(DaemonProcess&& other) noexcept
    : socket_(std::move(other.socket_)), run_dir_(std::move(other.run_dir_)), pid_(other.pid_),
      owned_(other.owned_) {
  other.owned_ = false;
  other.pid_ = 0;
}

DaemonProcess::~DaemonProcess() {
  if (owned_) stop();
  if (!run_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(run_dir_, ignored);
  }
}

bool DaemonProcess::alive() const {
  if (pid_ <= 0) return true;
  if (owned_) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return false;
  }
  return ::kill(pid_, 0) == 0;
}

long DaemonProcess::rss_kib() const {
  if (pid_ <= 0) return -1;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

int DaemonProcess::stop() {
  if (!owned_ || pid_ <= 0) return 0;
  owned_ = false;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace xssoak
