// A live update across a real exec: the old process saves its store and a
// client socket into the stream and execs restore_probe, which restores
// the tree and answers on the inherited socket.
#include "cxxenstored/liveupdate/perform.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cxxenstored/liveupdate/state_file.h"

namespace cxxenstored::liveupdate {
namespace {

namespace fs = std::filesystem;

TEST(Perform, DescriptorsNamedInState) {
  DaemonState s;
  s.global = GlobalRecord{3, 4};
  ConnectionRecord ring;
  ring.id = 1;
  ring.kind = ConnectionKind::kRing;
  ConnectionRecord sock;
  sock.id = 2;
  sock.socket_fd = 9;
  s.connections = {ring, sock};
  EXPECT_EQ(descriptors_named_in(s), (std::vector<int>{3, 4, 9}));
}

TEST(Perform, ClientSocketAndStoreSurviveExec) {
  fs::path dir = fs::temp_directory_path() / ("lu-perform-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = state_file_path(dir.c_str());

  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(sv[0]);
    store::Store store;
    if (!store.write(store::Caller::dom0(), "/vm/1/name", "one")) ::_exit(10);
    DaemonState state;
    state.global = GlobalRecord{-1, -1};
    ConnectionRecord client;
    client.id = 1;
    client.socket_fd = sv[1];
    client.pending_output = "OK-reply|";
    state.connections = {client};
    state.watches = {WatchRecord{1, "/vm", "tok"}};
    state.transactions = {TransactionRecord{1, 5}};
    auto r = perform_live_update(store, state,
                                 ExecPlan{RESTORE_PROBE, {RESTORE_PROBE, "-U", path}}, path);
    ::_exit(r ? 11 : 12);
  }
  ::close(sv[1]);
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = ::read(sv[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  ::close(sv[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(got, "OK-reply|restored name=one watches=1 transactions=1\n");
  EXPECT_FALSE(fs::exists(path));  // the new process removed it
  fs::remove_all(dir);
}

TEST(Perform, FailedExecRemovesTheStateAndReturns) {
  fs::path dir = fs::temp_directory_path() / ("lu-perform-fail-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = state_file_path(dir.c_str());
  store::Store store;
  auto r = perform_live_update(store, DaemonState{},
                               ExecPlan{"/nonexistent/xenstored", {"xenstored", "-U"}}, path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_FALSE(fs::exists(path));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cxxenstored::liveupdate
