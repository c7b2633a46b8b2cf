// A child process for integration tests: spawned with an argument vector and
// extra environment, stdout and stderr captured through pipes, waited for
// with a deadline so a hung client fails its test instead of hanging ctest.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cxxenstored::integration {

// How a process ended, as waitpid reported it.
struct ExitStatus {
  bool exited = false;    // ended by exit(); `code` is its status
  int code = -1;
  bool signaled = false;  // ended by a signal; `signal` is its number
  int signal = 0;

  static ExitStatus from_wait_status(int status);
  bool success() const { return exited && code == 0; }
  std::string describe() const;
};

struct Completed {
  ExitStatus status;
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Environment changes applied in the child on top of the parent's
// environment: a value of std::nullopt unsets the variable.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH when it has no slash).
  static Subprocess start(const std::vector<std::string>& argv,
                          const EnvChanges& env = {});

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&&) = delete;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  // Kills (SIGKILL) and reaps a child that was never waited for.
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // Reads its stdout until it holds `needle` (or the child closed it, or
  // `timeout` passed) and returns everything read so far, which wait() will
  // return again.
  std::string read_stdout_until(const std::string& needle, std::chrono::milliseconds timeout);

  // Reads its output until it exits or `timeout` passes; on timeout the
  // child is killed and `timed_out` is set.
  Completed wait(std::chrono::milliseconds timeout);

 private:
  Subprocess(pid_t pid, int out_fd, int err_fd);

  // Moves available output into out_/err_ until `done()` holds, both pipes
  // are closed, or the deadline passes; returns false on the deadline.
  template <typename Done>
  bool pump(std::chrono::steady_clock::time_point deadline, Done done);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

// Runs a command to completion (10 s deadline unless given).
Completed run(const std::vector<std::string>& argv, const EnvChanges& env = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cxxenstored::integration
