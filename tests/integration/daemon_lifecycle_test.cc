// The daemon process as an init script sees it: pid file, socket, clients
// that vanish mid-conversation, many clients at once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/daemon_test.h"

#ifndef XENSTORE_TOOLS_DIR
#define XENSTORE_TOOLS_DIR "/usr/bin"
#endif

namespace cxxenstored::integration {
namespace {

using namespace std::chrono_literals;

std::string tool(const std::string& name) { return std::string(XENSTORE_TOOLS_DIR) + "/" + name; }

class DaemonLifecycle : public DaemonTest {
 protected:
  // A daemon of our own beside the fixture's, serving `dir`/socket, in the
  // foreground, with nothing inherited from the fixture's environment.
  Subprocess start_own_daemon(const std::filesystem::path& dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {daemon().config().binary, "-N"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Subprocess::start(argv, {{"XENSTORED_RUNDIR", dir.string()},
                                    {"XENSTORED_PATH", std::nullopt},
                                    {"LISTEN_FDS", std::nullopt},
                                    {"NOTIFY_SOCKET", std::nullopt}});
  }
  // Waits (busily: a signal sent the moment it appears is the point of
  // one test) up to 10 s for `socket` to exist.
  static bool socket_appears(const std::string& socket) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    struct stat st {};
    while (stat(socket.c_str(), &st) != 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return true;
  }
};

TEST_F(DaemonLifecycle, PidFileHoldsTheDaemonsPid) {
  std::ifstream in(daemon().pid_file());
  ASSERT_TRUE(in) << daemon().pid_file() << " missing";
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content.substr(0, content.find('\n')), std::to_string(daemon().pid()));
}

TEST_F(DaemonLifecycle, SocketIsForRootOnly) {
  struct stat st {};
  ASSERT_EQ(stat(daemon().socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

// A supervisor may send SIGTERM the moment the socket appears (the daemon
// is "up"): by then the daemon must handle it, ending with status 0 and
// its pid file removed, not die of the signal's default action. Started by
// hand, outside the fixture, to send the signal as early as the socket
// exists, twenty times (before the fix most such starts died of it).
TEST_F(DaemonLifecycle, SigtermAsSoonAsTheSocketExistsEndsCleanly) {
  if (is_reference()) GTEST_SKIP() << "Debian's C xenstored has no SIGTERM handler";
  const std::filesystem::path dir = daemon().run_dir() / "early-sigterm";
  const std::string socket = (dir / "socket").string();
  const std::string pid_file = (dir / "xenstored.pid").string();
  for (int round = 0; round < 20; ++round) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    Subprocess early = start_own_daemon(dir, {"--pid-file", pid_file});
    ASSERT_TRUE(socket_appears(socket)) << "round " << round << ": no socket after 10 s";
    ASSERT_EQ(kill(early.pid(), SIGTERM), 0);
    const Completed end = early.wait(10s);
    EXPECT_TRUE(end.status.success()) << "round " << round << ": " << end.status.describe() << "\n"
                                      << end.err;
    EXPECT_FALSE(std::filesystem::exists(pid_file)) << "round " << round;
  }
}

// Where the kernel offers io_uring the daemon's socket I/O goes through it
// (the whole suite runs so); --no-io-uring, and kernels that refuse it, use
// epoll and a system call per receive and send. That path serves the tools
// and a watch alike, and says which it took.
TEST_F(DaemonLifecycle, WithoutIoUringItServesThroughEpoll) {
  if (is_reference()) GTEST_SKIP() << "--no-io-uring is cxxenstored's";
  const std::filesystem::path dir = daemon().run_dir() / "no-io-uring";
  std::filesystem::create_directories(dir);
  const std::string socket = (dir / "socket").string();
  Subprocess epoll_daemon = start_own_daemon(dir, {"--no-io-uring"});
  ASSERT_TRUE(socket_appears(socket)) << "no socket after 10 s";
  const auto at = [&](std::vector<std::string> argv) {
    return Subprocess::start(std::move(argv), {{"XENSTORED_PATH", socket}}).wait(10s);
  };
  Subprocess watcher = Subprocess::start({tool("xenstore-watch"), "-n", "2", "/epoll"},
                                         {{"XENSTORED_PATH", socket}});
  ASSERT_EQ(watcher.read_stdout_until("/epoll\n", 10s), "/epoll\n");
  EXPECT_TRUE(at({tool("xenstore-write"), "/epoll/a", "served"}).status.success());
  const Completed read = at({tool("xenstore-read"), "/epoll/a"});
  EXPECT_EQ(read.out, "served\n") << read.err;
  const Completed watched = watcher.wait(10s);
  EXPECT_EQ(watched.out, "/epoll\n/epoll/a\n");
  ASSERT_EQ(kill(epoll_daemon.pid(), SIGTERM), 0);
  const Completed end = epoll_daemon.wait(10s);
  EXPECT_TRUE(end.status.success()) << end.status.describe();
  EXPECT_NE(end.err.find("socket I/O through epoll"), std::string::npos) << end.err;
}

// A client killed while its watch is registered and an event is queued for
// it must not disturb the daemon or the other clients.
TEST_F(DaemonLifecycle, ClientKilledMidWatchLeavesOthersServed) {
  Subprocess watcher = Subprocess::start({tool("xenstore-watch"), "/victim"},
                                         {{"XENSTORED_PATH", daemon().socket_path()}});
  ASSERT_EQ(watcher.read_stdout_until("/victim\n", 10s), "/victim\n");
  kill(watcher.pid(), SIGKILL);
  ASSERT_TRUE(client({tool("xenstore-write"), "/victim/x", "1"}).status.success());
  const Completed got = watcher.wait(10s);
  EXPECT_TRUE(got.status.signaled);
  const Completed read = client({tool("xenstore-read"), "/victim/x"});
  EXPECT_TRUE(read.status.success()) << read.err;
  EXPECT_EQ(read.out, "1\n");
}

// Log rotation sends SIGHUP (reopen the log files): the daemon carries on.
TEST_F(DaemonLifecycle, SurvivesSighup) {
  ASSERT_TRUE(client({tool("xenstore-write"), "/before", "1"}).status.success());
  ASSERT_EQ(kill(daemon().pid(), SIGHUP), 0);
  const Completed got = client({tool("xenstore-read"), "/before"});
  EXPECT_TRUE(got.status.success()) << got.err;
  EXPECT_EQ(got.out, "1\n");
  EXPECT_TRUE(daemon().running());
}

TEST_F(DaemonLifecycle, ManyClientsAtOnce) {
  constexpr int kClients = 24;
  std::vector<Subprocess> writers;
  for (int i = 0; i < kClients; ++i) {
    std::vector<std::string> argv = {tool("xenstore-write")};
    for (int k = 0; k < 20; ++k) {
      argv.push_back("/many/c" + std::to_string(i) + "/k" + std::to_string(k));
      argv.push_back(std::to_string(i * 100 + k));
    }
    writers.push_back(Subprocess::start(argv, {{"XENSTORED_PATH", daemon().socket_path()}}));
  }
  for (auto& w : writers) {
    const Completed got = w.wait(30s);
    EXPECT_TRUE(got.status.success()) << got.err;
  }
  for (int i = 0; i < kClients; i += 5) {
    const Completed got = client({tool("xenstore-read"), "/many/c" + std::to_string(i) + "/k19"});
    EXPECT_EQ(got.out, std::to_string(i * 100 + 19) + "\n");
  }
  const Completed list = client({tool("xenstore-list"), "/many"});
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), kClients);
}

}  // namespace
}  // namespace cxxenstored::integration
