// Per-connection snapshots <-> stream records, through the real codec.
#include "cxxenstored/liveupdate/daemon_bridge.h"

#include <gtest/gtest.h>

#include "cxxenstored/liveupdate/stream_codec.h"
#include "cxxenstored/liveupdate/tree_image.h"

namespace cxxenstored::liveupdate {
namespace {

std::vector<ConnectionSnapshot> sample() {
  ConnectionSnapshot guest;
  guest.kind = ConnectionKind::kRing;
  guest.domid = 4;
  guest.evtchn = 21;
  guest.pending_input = "half a request";
  guest.watches = {{"device/vif", "vif"}, {"control/shutdown", "shutdown"}};
  ConnectionSnapshot toolstack;
  toolstack.socket_fd = 14;
  toolstack.pending_output = "reply bytes";
  toolstack.partial_response_len = 5;
  toolstack.transaction_ids = {3, 4};
  toolstack.watches = {{"@releaseDomain", "release"}};
  ConnectionSnapshot idle;
  idle.socket_fd = 15;
  return {guest, toolstack, idle};
}

TEST(DaemonBridge, NumbersConnectionsAndAttachesTheirRecords) {
  DaemonState s = build_daemon_state(3, 5, sample());
  ASSERT_TRUE(s.global);
  EXPECT_EQ(*s.global, (GlobalRecord{3, 5}));
  ASSERT_EQ(s.connections.size(), 3u);
  EXPECT_EQ(s.connections[0].id, 1u);
  EXPECT_EQ(s.connections[2].id, 3u);
  EXPECT_EQ(s.watches.size(), 3u);
  EXPECT_EQ(s.watches[2], (WatchRecord{2, "@releaseDomain", "release"}));
  EXPECT_EQ(s.transactions,
            (std::vector<TransactionRecord>{{2, 3}, {2, 4}}));
}

TEST(DaemonBridge, SurvivesTheStreamUnchanged) {
  store::Store store;
  auto bytes = encode_stream(capture_state(store, build_daemon_state(3, -1, sample())));
  ASSERT_TRUE(bytes);
  auto state = decode_stream(*bytes);
  ASSERT_TRUE(state);
  EXPECT_EQ(group_by_connection(*state), sample());
}

}  // namespace
}  // namespace cxxenstored::liveupdate
