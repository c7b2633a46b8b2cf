// Descriptors survive exec when asked to; the new binary really runs with
// the argv we built.
#include "cxxenstored/liveupdate/exec.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace cxxenstored::liveupdate {
namespace {

TEST(Exec, KeepAcrossExecClearsCloexec) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_TRUE(::fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  ASSERT_TRUE(keep_across_exec({fds[0], -1}));
  EXPECT_FALSE(::fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(keep_across_exec({fds[0]}).error().code, EBADF);
}

TEST(Exec, NewBinaryInheritsKeptDescriptorAndArgv) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (!keep_across_exec({fds[1]})) ::_exit(90);
    std::string script = "echo \"$0 $1 $2\" >&" + std::to_string(fds[1]);
    auto r = exec_new_binary(ExecPlan{"/bin/sh", {"sh", "-c", script, "-U", "x"}});
    ::_exit(r ? 91 : 92);
  }
  ::close(fds[1]);
  char buf[128] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "-U x \n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Exec, FailureReturnsErrno) {
  auto r = exec_new_binary(ExecPlan{"/nonexistent/xenstored", {"xenstored", "-U"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
}

TEST(Exec, RecognisesTheLiveUpdateFlag) {
  const char* with_short[] = {"xenstored", "-N", "-U"};
  const char* with_long[] = {"xenstored", "--live-update"};
  const char* without[] = {"xenstored", "-N"};
  EXPECT_TRUE(is_live_update_start(3, const_cast<char**>(with_short)));
  EXPECT_TRUE(is_live_update_start(2, const_cast<char**>(with_long)));
  EXPECT_FALSE(is_live_update_start(2, const_cast<char**>(without)));
}

}  // namespace
}  // namespace cxxenstored::liveupdate
