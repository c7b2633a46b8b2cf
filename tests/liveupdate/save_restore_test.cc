// The whole hand-over through a file: old daemon saves, new daemon restores.
#include "cxxenstored/liveupdate/save_restore.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "cxxenstored/liveupdate/state_file.h"

namespace cxxenstored::liveupdate {
namespace {

class SaveRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lu-save-restore-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = state_file_path(dir_.c_str());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SaveRestore, StatePathFollowsXenstoredRundir) {
  EXPECT_EQ(state_file_path(nullptr), "/var/run/xenstored/state_dump");
  EXPECT_EQ(state_file_path(""), "/var/run/xenstored/state_dump");
  EXPECT_EQ(state_file_path("/run/x"), "/run/x/state_dump");
}

TEST_F(SaveRestore, RoundTripsStoreConnectionsWatchesAndTransactions) {
  store::Store old_store;
  auto dom0 = store::Caller::dom0();
  ASSERT_TRUE(old_store.write(dom0, "/vm/1/name", "one"));
  DaemonState daemon;
  daemon.global = GlobalRecord{5, 9};
  ConnectionRecord guest;
  guest.id = 1;
  guest.kind = ConnectionKind::kRing;
  guest.domid = 1;
  guest.evtchn = 33;
  ConnectionRecord client;
  client.id = 2;
  client.socket_fd = 11;
  client.pending_input = "partial";
  daemon.connections = {guest, client};
  daemon.watches = {WatchRecord{1, "device", "backend"}};
  daemon.transactions = {TransactionRecord{2, 17}};
  ASSERT_TRUE(save_state(old_store, daemon, path_));
  EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  store::Store new_store;
  auto restored = restore_state(new_store, path_);
  ASSERT_TRUE(restored);
  EXPECT_EQ(*new_store.read(dom0, "/vm/1/name"), "one");
  EXPECT_EQ(restored->global, daemon.global);
  EXPECT_EQ(restored->connections, daemon.connections);
  EXPECT_EQ(restored->watches, daemon.watches);
  EXPECT_EQ(restored->transactions, daemon.transactions);
  // Restored once: the file is gone, a second start finds nothing.
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_EQ(restore_state(new_store, path_).error().code, ENOENT);
}

TEST_F(SaveRestore, CorruptStreamLeavesStoreAlone) {
  ASSERT_TRUE(write_state_file(path_, "xenstore garbage"));
  store::Store s;
  ASSERT_TRUE(s.write(store::Caller::dom0(), "/x", "1"));
  EXPECT_EQ(restore_state(s, path_).error().code, EINVAL);
  EXPECT_EQ(*s.read(store::Caller::dom0(), "/x"), "1");
}

}  // namespace
}  // namespace cxxenstored::liveupdate
