#include "subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace cxxenstored::integration {
namespace {

// Builds "NAME=value" strings for the child: the parent's environment with
// `changes` applied.
std::vector<std::string> child_environment(const EnvChanges& changes) {
  std::vector<std::string> result;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (changes.count(name) == 0) result.push_back(std::move(entry));
  }
  for (const auto& [name, value] : changes) {
    if (value) result.push_back(name + "=" + *value);
  }
  return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.signal = WTERMSIG(status);
  }
  return result;
}

std::string ExitStatus::describe() const {
  if (exited) return "exit status " + std::to_string(code);
  if (signaled) return std::string("signal ") + strsignal(signal);
  return "unknown status";
}

Subprocess Subprocess::start(const std::vector<std::string>& argv,
                             const EnvChanges& env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) fail("pipe2");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) fail("pipe2");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> args = argv;
  std::vector<std::string> envs = child_environment(env);
  auto c_args = c_strings(args);
  auto c_envs = c_strings(envs);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, c_args[0], &actions, nullptr,
                              c_args.data(), c_envs.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    errno = rc;
    fail("cannot start " + argv[0]);
  }
  return Subprocess(pid, out_pipe[0], err_pipe[0]);
}

Subprocess::Subprocess(pid_t pid, int out_fd, int err_fd)
    : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(other.pid_),
      out_fd_(other.out_fd_),
      err_fd_(other.err_fd_),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)) {
  other.pid_ = -1;
  other.out_fd_ = -1;
  other.err_fd_ = -1;
}

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

template <typename Done>
bool Subprocess::pump(std::chrono::steady_clock::time_point deadline, Done done) {
  using Clock = std::chrono::steady_clock;
  std::string* sinks[2] = {&out_, &err_};
  int* fds[2] = {&out_fd_, &err_fd_};
  while ((out_fd_ >= 0 || err_fd_ >= 0) && !done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pfds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int n = poll(pfds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) fail("poll");
    for (int i = 0; i < 2; ++i) {
      if (*fds[i] < 0 || pfds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t got = read(*fds[i], buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(*fds[i]);
        *fds[i] = -1;
      }
    }
  }
  return true;
}

std::string Subprocess::read_stdout_until(const std::string& needle,
                                          std::chrono::milliseconds timeout) {
  pump(std::chrono::steady_clock::now() + timeout,
       [&] { return out_.find(needle) != std::string::npos; });
  return out_;
}

Completed Subprocess::wait(std::chrono::milliseconds timeout) {
  Completed result;
  // Drain both pipes until the child closes them (normally by exiting).
  result.timed_out = !pump(std::chrono::steady_clock::now() + timeout, [] { return false; });
  if (result.timed_out) kill(pid_, SIGKILL);

  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid");
  }
  pid_ = -1;
  result.status = ExitStatus::from_wait_status(status);
  result.out = std::move(out_);
  result.err = std::move(err_);
  return result;
}

Completed run(const std::vector<std::string>& argv, const EnvChanges& env,
              std::chrono::milliseconds timeout) {
  return Subprocess::start(argv, env).wait(timeout);
}

}  // namespace cxxenstored::integration
