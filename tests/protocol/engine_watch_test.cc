// Watches through the request engine: registration, the initial event,
// which changes fire which watches, ordering, relative paths, permission
// filtering, transactions, and the limits.
#include <cerrno>

#include "engine_fixture.h"

namespace cxxenstored::protocol {
namespace {

using namespace std::string_literals;
using testing_support::EngineTest;
using V = std::vector<std::string>;

TEST_F(EngineTest, WatchAcksThenSendsInitialEvent) {
  EXPECT_EQ(send(XS_WATCH, "/a\0tok\0"s), (V{"WATCH:OK|", "WATCH_EVENT:/a|tok|"}));
  EXPECT_EQ(last[1].second.header.req_id, 0u);
  EXPECT_EQ(last[1].second.header.tx_id, 0u);
  EXPECT_EQ(send(XS_WATCH, "/a\0tok\0"s), V{"ERROR:EEXIST|"});
  EXPECT_EQ(send(XS_WATCH, "/a\0tok2\0"s), (V{"WATCH:OK|", "WATCH_EVENT:/a|tok2|"}));
  EXPECT_EQ(send(XS_WATCH, "rel\0t\0"s), (V{"WATCH:OK|", "WATCH_EVENT:rel|t|"}));
  EXPECT_EQ(send(XS_WATCH, "@foo\0t\0"s), (V{"WATCH:OK|", "WATCH_EVENT:@foo|t|"}));
  EXPECT_EQ(send(XS_WATCH, "/a\0"s), V{"ERROR:EINVAL|"});
  EXPECT_EQ(send(XS_WATCH, "\0t\0"s), V{"ERROR:EINVAL|"});
  EXPECT_EQ(send(XS_WATCH, "/a//b\0t\0"s), V{"ERROR:EINVAL|"});
  EXPECT_EQ(send(XS_WATCH, "@"s + std::string(2048, 'x') + "\0t\0"s), V{"ERROR:EINVAL|"});
  // The transaction id of WATCH is not looked up.
  EXPECT_EQ(send(kDom0, XS_WATCH, "/b\0t\0"s, 5), (V{"WATCH:OK|", "WATCH_EVENT:/b|t|"}));
}

TEST_F(EngineTest, EventsComeBeforeTheReplyInWatchOrder) {
  send(XS_WATCH, "/w\0a\0"s);
  send(XS_WATCH, "/w/x\0b\0"s);
  send(XS_WATCH, "/w\0c\0"s);
  EXPECT_EQ(send(XS_WRITE, "/w/x/y\0v"s),
            (V{"WATCH_EVENT:/w/x/y|a|", "WATCH_EVENT:/w/x/y|b|", "WATCH_EVENT:/w/x/y|c|", "WRITE:OK|"}));
  // Sibling names sharing a prefix do not match.
  EXPECT_EQ(send(XS_WRITE, "/wx\0v"s), V{"WRITE:OK|"});
  // MKDIR of an existing node changes nothing and fires nothing.
  EXPECT_EQ(send(XS_MKDIR, "/w/x\0"s), V{"MKDIR:OK|"});
}

TEST_F(EngineTest, RemovalFiresWatchesBelowDeepestFirst) {
  send(XS_WATCH, "/w\0a\0"s);
  send(XS_WATCH, "/w/x\0b\0"s);
  send(XS_WRITE, "/w/x/y\0v"s);
  send(XS_WATCH, "/w/x/y\0d\0"s);
  send(XS_WATCH, "/w/x/y/z\0e\0"s);
  send(XS_MKDIR, "/w/x/y/z\0"s);
  send(XS_MKDIR, "/w/x/q\0"s);
  send(XS_WATCH, "/w/x/q\0f\0"s);
  EXPECT_EQ(send(XS_RM, "/w/x\0"s),
            (V{"WATCH_EVENT:/w/x/y/z|e|", "WATCH_EVENT:/w/x/y|d|", "WATCH_EVENT:/w/x/q|f|",
               "WATCH_EVENT:/w/x|a|", "WATCH_EVENT:/w/x|b|", "RM:OK|"}));
}

TEST_F(EngineTest, EventsGoToEverySubscriberInSessionOrder) {
  SessionId second = open_dom0();
  send(second, XS_WATCH, "/s\0two\0"s);
  send(kDom0, XS_WATCH, "/s\0one\0"s);
  send(kDom0, XS_WRITE, "/s\0v"s);
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last[0].first, kDom0);
  EXPECT_EQ(testing_support::show(last[0].second), "WATCH_EVENT:/s|one|");
  EXPECT_EQ(last[1].first, second);
  EXPECT_EQ(testing_support::show(last[1].second), "WATCH_EVENT:/s|two|");
  EXPECT_EQ(testing_support::show(last[2].second), "WRITE:OK|");
}

TEST_F(EngineTest, RelativeWatchReportsRelativePaths) {
  send(XS_WATCH, "dev\0t\0"s);
  EXPECT_EQ(send(XS_WRITE, "/local/domain/0/dev/vif\0x"s), (V{"WATCH_EVENT:dev/vif|t|", "WRITE:OK|"}));
  EXPECT_EQ(send(XS_UNWATCH, "dev\0t\0"s), V{"UNWATCH:OK|"});
  EXPECT_EQ(send(XS_WRITE, "/local/domain/0/dev/vif\0y"s), V{"WRITE:OK|"});
}

TEST_F(EngineTest, UnwatchMatchesCanonicalPathAndToken) {
  send(XS_WATCH, "/u\0t\0"s);
  EXPECT_EQ(send(XS_UNWATCH, "/u\0nope\0"s), V{"ERROR:ENOENT|"});
  EXPECT_EQ(send(XS_UNWATCH, "\0nope\0"s), V{"ERROR:ENOENT|"});
  EXPECT_EQ(send(XS_UNWATCH, "//\0nope\0"s), V{"ERROR:ENOENT|"});
  EXPECT_EQ(send(XS_UNWATCH, "/u\0"s), V{"ERROR:EINVAL|"});
  EXPECT_EQ(send(XS_UNWATCH, "/u\0t\0"s), V{"UNWATCH:OK|"});
  EXPECT_EQ(send(XS_UNWATCH, "/u\0t\0"s), V{"ERROR:ENOENT|"});
  EXPECT_EQ(watches.total(), 0u);
}

TEST_F(EngineTest, TransactionEventsFireOnlyAtCommit) {
  send(XS_WATCH, "/t\0w\0"s);
  send(XS_TRANSACTION_START, "");
  EXPECT_EQ(send(kDom0, XS_WRITE, "/t/a\0v"s, 1), V{"WRITE:OK|"});
  EXPECT_EQ(send(kDom0, XS_WRITE, "/t/b\0v"s, 1), V{"WRITE:OK|"});
  EXPECT_EQ(send(kDom0, XS_TRANSACTION_END, "T\0"s, 1),
            (V{"WATCH_EVENT:/t/a|w|", "WATCH_EVENT:/t/b|w|", "TRANSACTION_END:OK|"}));
  send(XS_TRANSACTION_START, "");
  send(kDom0, XS_WRITE, "/t/c\0v"s, 2);
  EXPECT_EQ(send(kDom0, XS_TRANSACTION_END, "F\0"s, 2), V{"TRANSACTION_END:OK|"});
}

TEST_F(EngineTest, GuestsAreNotToldAboutNodesTheyCannotRead) {
  SessionId guest = open_guest(7);
  one(XS_MKDIR, "/priv\0"s);
  send(guest, XS_WATCH, "/priv\0g\0"s);
  one(XS_WRITE, "/priv/x\0secret"s);
  EXPECT_TRUE(received(guest).empty());
  // Readable parent is enough (C daemon: node or parent readable).
  one(XS_SET_PERMS, "/priv\0n0\0r7\0"s);
  one(XS_WRITE, "/priv/y\0v"s);
  EXPECT_EQ(received(guest), V{"WATCH_EVENT:/priv/y|g|"});
  // A change that takes read access away is still reported.
  one(XS_SET_PERMS, "/priv\0n0\0"s);
  EXPECT_EQ(received(guest), V{"WATCH_EVENT:/priv|g|"});
}

TEST_F(EngineTest, GuestWatchLimit) {
  limits.watches_per_domain = 2;
  SessionId guest = open_guest(8);
  // The C daemon compares with ">", so one more than the limit fits.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(send(guest, XS_WATCH, "/w" + std::to_string(i) + "\0t\0"s).front(), "WATCH:OK|");
  EXPECT_EQ(send(guest, XS_WATCH, "/w9\0t\0"s), V{"ERROR:E2BIG|"});
  // Duplicates are reported before the limit.
  EXPECT_EQ(send(guest, XS_WATCH, "/w0\0t\0"s), V{"ERROR:EEXIST|"});
}

TEST_F(EngineTest, ClosingASessionDropsItsWatches) {
  SessionId other = open_dom0();
  send(other, XS_WATCH, "/z\0t\0"s);
  EXPECT_EQ(watches.total(), 1u);
  engine.close_session(other);
  EXPECT_EQ(watches.total(), 0u);
  EXPECT_EQ(send(XS_WRITE, "/z\0v"s), V{"WRITE:OK|"});
}

TEST_F(EngineTest, SpecialEventsReachRootAndSpecialWatchers) {
  send(XS_WATCH, "@releaseDomain\0r\0"s);
  send(XS_WATCH, "/\0root\0"s);
  send(XS_WATCH, "@introduceDomain\0i\0"s);
  outbox.sent.clear();
  engine.fire_special("@releaseDomain");
  last = outbox.sent;
  EXPECT_EQ(received(kDom0), (V{"WATCH_EVENT:@releaseDomain|r|", "WATCH_EVENT:@releaseDomain|root|"}));
  // A guest needs read access to the special name's permissions.
  SessionId guest = open_guest(9);
  send(guest, XS_WATCH, "@releaseDomain\0g\0"s);
  outbox.sent.clear();
  engine.fire_special("@releaseDomain");
  last = outbox.sent;
  EXPECT_TRUE(received(guest).empty());
  one(XS_SET_PERMS, "@releaseDomain\0n0\0r9\0"s);
  outbox.sent.clear();
  engine.fire_special("@releaseDomain");
  last = outbox.sent;
  EXPECT_EQ(received(guest), V{"WATCH_EVENT:@releaseDomain|g|"});
}

}  // namespace
}  // namespace cxxenstored::protocol

namespace cxxenstored::protocol {
namespace {

using namespace std::string_literals;
using testing_support::EngineTest;
using V = std::vector<std::string>;

TEST_F(EngineTest, CommitReportsEachNodeOnceInFirstTouchOrder) {
  send(XS_WATCH, "/\0r\0"s);
  send(XS_TRANSACTION_START, "");
  send(kDom0, XS_WRITE, "/t/b\0x"s, 1);
  send(kDom0, XS_WRITE, "/t/a\0y"s, 1);
  send(kDom0, XS_WRITE, "/t/b\0z"s, 1);
  send(kDom0, XS_MKDIR, "/m\0"s, 1);
  EXPECT_EQ(send(kDom0, XS_TRANSACTION_END, "T\0"s, 1),
            (V{"WATCH_EVENT:/t/b|r|", "WATCH_EVENT:/t/a|r|", "WATCH_EVENT:/m|r|", "TRANSACTION_END:OK|"}));
}

TEST_F(EngineTest, CommitSkipsNodesCreatedAndRemovedInTheTransaction) {
  send(XS_WATCH, "/\0r\0"s);
  send(XS_TRANSACTION_START, "");
  send(kDom0, XS_WRITE, "/z\0"s, 1);
  send(kDom0, XS_RM, "/z\0"s, 1);
  EXPECT_EQ(send(kDom0, XS_TRANSACTION_END, "T\0"s, 1), V{"TRANSACTION_END:OK|"});
}

TEST_F(EngineTest, CommittedRemovalReportsTheRemovedNodeFirst) {
  send(XS_WRITE, "/p/q/r\0"s);
  send(XS_WATCH, "/\0r\0"s);
  send(XS_WATCH, "/p/q/r\0x\0"s);
  send(XS_TRANSACTION_START, "");
  send(kDom0, XS_RM, "/p\0"s, 1);
  EXPECT_EQ(send(kDom0, XS_TRANSACTION_END, "T\0"s, 1),
            (V{"WATCH_EVENT:/p|r|", "WATCH_EVENT:/p/q/r|x|", "TRANSACTION_END:OK|"}));
}

}  // namespace
}  // namespace cxxenstored::protocol
