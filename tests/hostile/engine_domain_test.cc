// Domain lifecycle and permission abuse through the request engine (README
// hostile list items 4, 5, 7, 8; XSA-115, XSA-322, XSA-323, XSA-372): what an
// unprivileged guest may not do, what happens to a domain's nodes,
// transactions and watches when it goes, and that watches never leak nodes a
// guest cannot read.
#include <gtest/gtest.h>

#include <string>

#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

constexpr DomainId kGuest = 5;
constexpr DomainId kOther = 6;
constexpr DomainId kDeviceModel = 7;
const std::string kOk("OK\0", 3);

void make_home(EngineHarness& h, SessionId dom0, DomainId domain) {
  const std::string home = store::home_path(domain);
  ASSERT_EQ(h.write(dom0, home, ""), kOk);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({home, "n" + std::to_string(domain)})), kOk);
}

std::string introduce_payload(DomainId domain, std::string_view port) {
  return nul_join({std::to_string(domain), "4096", port});
}

TEST(EngineDomains, UnprivilegedCallersOfPrivilegedOpsGetEacces) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  const std::string before = h.dump();
  EXPECT_EQ(h.call(guest, XS_INTRODUCE, introduce_payload(9, "1")), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_RELEASE, nul_join({"6"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_RESUME, nul_join({"6"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_SET_TARGET, nul_join({"5", "0"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_IS_DOMAIN_INTRODUCED, nul_join({"0"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_CONTROL, nul_join({"quota"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, protocol::kSetQuota, nul_join({"nodes", "100000"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, protocol::kGetQuota, nul_join({"nodes"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, protocol::kSetFeature, nul_join({"5", "0"})), "E:EACCES");
  EXPECT_EQ(h.dump(), before);
  EXPECT_FALSE(h.domains.is_introduced(9));
  EXPECT_EQ(h.store.quotas().nodes_per_domain, 1000u);
}

TEST(EngineDomains, IntroduceTwiceFiresIntroduceDomainOnce) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_WATCH, nul_join({"@introduceDomain", "i"})), kOk);
  ASSERT_EQ(h.events(dom0), std::vector<std::string>{"@introduceDomain|i"});
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "3")), kOk);
  EXPECT_EQ(h.events(dom0), std::vector<std::string>{"@introduceDomain|i"});
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "3")), kOk);
  EXPECT_TRUE(h.events(dom0).empty());
}

TEST(EngineDomains, IntroduceWithBadArgumentsIsInvalid) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  const std::string before = h.dump();
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "0")), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "-1")), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "abc")), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, nul_join({"5", "4096"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_INTRODUCE, "5"), "E:EINVAL");
  EXPECT_FALSE(h.domains.is_introduced(kGuest));
  EXPECT_EQ(h.dump(), before);
}

TEST(EngineDomains, ReleaseUnknownOrDom0AndResumeUnknown) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_WATCH, nul_join({"@releaseDomain", "r"})), kOk);
  h.events(dom0);
  EXPECT_EQ(h.call(dom0, XS_RELEASE, nul_join({"77"})), "E:ENOENT");
  EXPECT_EQ(h.call(dom0, XS_RELEASE, nul_join({"0"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_RELEASE, nul_join({"abc"})), "E:EINVAL");
  EXPECT_EQ(h.call(dom0, XS_RESUME, nul_join({"77"})), "E:ENOENT");
  EXPECT_TRUE(h.events(dom0).empty());
}

TEST(EngineDomains, SetTargetAbuse) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  EXPECT_EQ(h.call(dom0, XS_SET_TARGET, nul_join({"77", "78"})), "E:ENOENT");
  EXPECT_EQ(h.call(dom0, XS_SET_TARGET, nul_join({"7"})), "E:EINVAL");
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kDeviceModel, "1")), kOk);
  make_home(h, dom0, kGuest);
  ASSERT_EQ(h.write(dom0, "/local/domain/5/secret", "s"), kOk);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/5/secret", "n5"})), kOk);
  SessionId dm = h.open_guest(kDeviceModel);
  // Before SET_TARGET the device model may not read the guest's nodes.
  EXPECT_EQ(h.read(dm, "/local/domain/5/secret"), "E:EACCES");
  ASSERT_EQ(h.call(dom0, XS_SET_TARGET, nul_join({"7", "5"})), kOk);
  EXPECT_EQ(h.read(dm, "/local/domain/5/secret"), "s");
  // The target relation does not grant access to a third domain's nodes,
  // nor make the device model privileged.
  make_home(h, dom0, kOther);
  EXPECT_EQ(h.call(dm, XS_DIRECTORY, nul_join({"/local/domain/6"})), "E:EACCES");
  EXPECT_EQ(h.call(dm, XS_SET_TARGET, nul_join({"7", "6"})), "E:EACCES");
  // Nor may it create nodes outside what it owns or its target owns.
  EXPECT_EQ(h.write(dm, "/tool/dmnode", "d"), "E:EACCES");
  EXPECT_EQ(h.write(dm, "/local/domain/5/dmnode", "d"), kOk);
}

TEST(EnginePermissions, GuestCannotChangePermsOfNodesItDoesNotOwn) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOther);
  ASSERT_EQ(h.write(dom0, "/local/domain/6/shared", "v"), kOk);
  // Owned by 6, read and write for 5.
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/6/shared", "n6", "b5"})), kOk);
  SessionId guest = h.open_guest(kGuest);
  const std::string before = h.dump();
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"/local/domain/6/shared", "b5"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"/tool", "b5"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"/", "b5"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"@releaseDomain", "r5"})), "E:EACCES");
  EXPECT_EQ(h.dump(), before);
  // Write access does not include removing the node's permissions' owner.
  EXPECT_EQ(h.write(guest, "/local/domain/6/shared", "w"), kOk);
}

TEST(EnginePermissions, GuestCannotGiveItsNodeToAnotherDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.write(guest, "mine", "v"), kOk);
  const auto owned = h.store.usage().nodes(kGuest);
  const std::string before = h.dump();
  // Charging another domain's quota (or escaping its own) by a chown is
  // refused with EPERM, as in the C daemon.
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"mine", "n6"})), "E:EPERM");
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"mine", "n0"})), "E:EPERM");
  EXPECT_EQ(h.dump(), before);
  EXPECT_EQ(h.store.usage().nodes(kGuest), owned);
  // Changing only the access part is fine.
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"mine", "r5", "w6"})), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EnginePermissions, OwnerChangeByDom0MovesTheQuotaCharge) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOther);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.write(guest, "a", "v"), kOk);
  const auto five = h.store.usage().nodes(kGuest);
  const auto six = h.store.usage().nodes(kOther);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/local/domain/5/a", "n6"})), kOk);
  EXPECT_EQ(h.store.usage().nodes(kGuest), five - 1);
  EXPECT_EQ(h.store.usage().nodes(kOther), six + 1);
  EXPECT_TRUE(h.check().empty());
}

TEST(EnginePermissions, NodesOfAReleasedDomainGoAndQuotaIsForgotten) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(h.write(guest, "d/n" + std::to_string(i), "v"), kOk);
  ASSERT_EQ(h.write(dom0, "/tool/keep", "k"), kOk);
  ASSERT_EQ(h.call(dom0, XS_WATCH, nul_join({"@releaseDomain", "r"})), kOk);
  h.events(dom0);
  h.close(guest);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  EXPECT_EQ(h.events(dom0), std::vector<std::string>{"@releaseDomain|r"});
  EXPECT_EQ(h.read(dom0, "/local/domain/5"), "E:ENOENT");
  EXPECT_EQ(h.read(dom0, "/tool/keep"), "k");
  EXPECT_EQ(h.store.usage().nodes(kGuest), 0);
  EXPECT_TRUE(h.check().empty());
}

TEST(EnginePermissions, ReusedDomidDoesNotInheritPermissionsOfTheDeadDomain) {
  // XSA-322: permission entries naming a domain that is gone must not grant
  // anything to a new domain that gets the same id.
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  ASSERT_EQ(h.write(dom0, "/tool/shared", "secret"), kOk);
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({"/tool/shared", "n0", "r5"})), kOk);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.read(guest, "/tool/shared"), "secret");
  h.close(guest);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  SessionId reborn = h.open_guest(kGuest);
  const std::string read = h.read(reborn, "/tool/shared");
  EXPECT_EQ(read, "E:EACCES");
}

TEST(EngineDomains, DyingDomainLosesItsTransactionsAndWatches) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  std::uint32_t tx = h.start_transaction(guest);
  ASSERT_NE(tx, 0u);
  ASSERT_EQ(h.write(guest, "in-tx", "v", tx), kOk);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"/local/domain/5", "w"})), kOk);
  ASSERT_EQ(h.engine.transactions_of_domain(kGuest), 1u);
  ASSERT_EQ(h.engine.watches_of_domain(kGuest), 1u);
  // The domain dies: its connection goes, then the domain is released.
  h.close(guest);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  EXPECT_EQ(h.engine.transactions_of_domain(kGuest), 0u);
  EXPECT_EQ(h.engine.watches_of_domain(kGuest), 0u);
  EXPECT_EQ(h.watches.total(), 0u);
  EXPECT_EQ(h.read(dom0, "/local/domain/5/in-tx"), "E:ENOENT");
  // Nobody else can end or use the dead connection's transaction.
  SessionId other = h.open_guest(kOther);
  EXPECT_EQ(h.call(other, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:ENOENT");
  EXPECT_EQ(h.write(other, "/local/domain/5/x", "v", tx), "E:ENOENT");
  EXPECT_EQ(h.call(dom0, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:ENOENT");
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineTransactions, EndingUnknownOrAnotherSessionsTransaction) {
  EngineHarness h;
  SessionId a = h.open_dom0();
  SessionId b = h.open_dom0();
  std::uint32_t tx = h.start_transaction(a);
  ASSERT_NE(tx, 0u);
  ASSERT_EQ(h.write(a, "/tool/a", "v", tx), kOk);
  EXPECT_EQ(h.call(b, XS_TRANSACTION_END, nul_join({"T"}), tx), "E:ENOENT");
  EXPECT_EQ(h.call(b, XS_TRANSACTION_END, nul_join({"T"}), 0xdeadbeef), "E:ENOENT");
  EXPECT_EQ(h.call(b, XS_TRANSACTION_END, nul_join({"T"})), "E:ENOENT");
  EXPECT_EQ(h.call(a, XS_TRANSACTION_END, nul_join({"X"}), tx), "E:EINVAL");
  EXPECT_EQ(h.read(b, "/tool/a"), "E:ENOENT");
  // a's transaction survived all of that.
  EXPECT_EQ(h.call(a, XS_TRANSACTION_END, nul_join({"T"}), tx), kOk);
  EXPECT_EQ(h.read(b, "/tool/a"), "v");
  // Starting a transaction inside a transaction is refused.
  std::uint32_t tx2 = h.start_transaction(a);
  EXPECT_EQ(h.call(a, XS_TRANSACTION_START, std::string(1, '\0'), tx2), "E:EBUSY");
}

TEST(EngineTransactions, NodeCreatedAndDeletedInOneTransactionKeepsAccountingRight) {
  // XSA-421 (CVE-2022-42326): a node created and removed again inside one
  // transaction made the C daemon's commit stop half-way without updating
  // the accounting, letting a guest create nodes beyond its quota.
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "10"})), kOk);
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  for (int round = 0; round < 20; ++round) {
    std::uint32_t tx = h.start_transaction(guest);
    ASSERT_NE(tx, 0u);
    ASSERT_EQ(h.write(guest, "tmp/a", "v", tx), kOk);
    ASSERT_EQ(h.write(guest, "keep" + std::to_string(round), "v", tx), round < 7 ? kOk : "E:ENOSPC")
        << "home + keep0..keep6 + tmp + tmp/a fill the 10-node quota";
    ASSERT_EQ(h.call(guest, XS_RM, nul_join({"tmp"}), tx), kOk);
    std::string end = h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx);
    EXPECT_TRUE(end == kOk || end == "E:ENOSPC") << end;
    EXPECT_TRUE(h.check().empty()) << "round " << round;
    EXPECT_LE(h.store.usage().nodes(kGuest), 10);
  }
  EXPECT_EQ(h.read(guest, "tmp"), "E:ENOENT");
  EXPECT_EQ(h.store.usage().nodes(kGuest), 8);  // home and keep0..keep6
}

TEST(EngineWatches, DeepTreeRemovalAndReleaseDoNotExhaustTheStack) {
  // XSA-418 (CVE-2022-42321): recursion over a deep tree crashed the C
  // daemon. The deepest tree the path limit allows: ~1000 levels.
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(kGuest, "1")), kOk);
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  std::string deep = "d";
  while (deep.size() + 2 <= 2048) deep += "/a";
  ASSERT_EQ(h.write(guest, deep, "bottom"), "E:ENOSPC");  // 1000+ nodes: above the node quota
  ASSERT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "5000"})), kOk);
  ASSERT_EQ(h.write(guest, deep, "bottom"), kOk);
  ASSERT_EQ(h.read(guest, deep), "bottom");
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({deep, "deep"})), kOk);
  ASSERT_EQ(h.call(dom0, XS_WATCH, nul_join({"/local/domain/5/d", "top"})), kOk);
  h.events(guest);
  h.events(dom0);
  ASSERT_EQ(h.call(guest, XS_RM, nul_join({"d"})), kOk);
  EXPECT_EQ(h.events(guest), std::vector<std::string>{deep + "|deep"});
  EXPECT_EQ(h.events(dom0), std::vector<std::string>{"/local/domain/5/d|top"});
  // Again, and this time the domain goes away with the tree in place.
  ASSERT_EQ(h.write(guest, deep, "bottom"), kOk);
  h.close(guest);
  ASSERT_EQ(h.call(dom0, XS_RELEASE, nul_join({"5"})), kOk);
  EXPECT_EQ(h.read(dom0, "/local/domain/5"), "E:ENOENT");
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineWatches, GuestWatchOnRootSeesOnlyWhatItMayRead) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOther);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"/", "all"})), kOk);
  EXPECT_EQ(h.events(guest), std::vector<std::string>{"/|all"});
  // dom0-only and other-domain nodes: no event, not even the path.
  ASSERT_EQ(h.write(dom0, "/tool/secret-name", "s"), kOk);
  SessionId other = h.open_guest(kOther);
  ASSERT_EQ(h.write(other, "private", "p"), kOk);
  ASSERT_EQ(h.call(other, XS_RM, nul_join({"private"})), kOk);
  ASSERT_EQ(h.call(dom0, XS_INTRODUCE, introduce_payload(9, "1")), kOk);
  EXPECT_TRUE(h.events(guest).empty());
  // Its own nodes fire.
  ASSERT_EQ(h.write(guest, "own", "o"), kOk);
  EXPECT_EQ(h.events(guest), std::vector<std::string>{"/local/domain/5/own|all"});
}

TEST(EngineWatches, WatchOnUnreadablePathLeaksNothing) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOther);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.call(guest, XS_WATCH, nul_join({"/local/domain/6/secret", "s"})), kOk);
  h.events(guest);  // the registration event names only the watched path
  SessionId other = h.open_guest(kOther);
  ASSERT_EQ(h.write(other, "secret", "v"), kOk);
  ASSERT_EQ(h.write(other, "secret/child", "v"), kOk);
  ASSERT_EQ(h.call(other, XS_SET_PERMS, nul_join({"secret", "n6"})), kOk);
  ASSERT_EQ(h.call(other, XS_RM, nul_join({"secret"})), kOk);
  EXPECT_TRUE(h.events(guest).empty());
  // Reads through the watch path are refused as well.
  ASSERT_EQ(h.write(other, "secret", "v"), kOk);
  EXPECT_EQ(h.read(guest, "/local/domain/6/secret"), "E:EACCES");
}

TEST(EngineWatches, HugeSubtreeRemovalFiresBoundedEvents) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  SessionId watcher = h.open_dom0();
  ASSERT_EQ(h.call(watcher, XS_WATCH, nul_join({"/big", "b"})), kOk);
  h.events(watcher);
  for (int i = 0; i < 200; ++i)
    for (int j = 0; j < 50; ++j)
      ASSERT_EQ(h.write(dom0, "/big/" + std::to_string(i) + "/" + std::to_string(j), "v"), kOk);
  h.events(watcher);
  ASSERT_EQ(h.call(dom0, XS_RM, nul_join({"/big"})), kOk);
  // One event for the watched node, not one per removed node.
  EXPECT_EQ(h.events(watcher), std::vector<std::string>{"/big|b"});
  EXPECT_EQ(h.read(dom0, "/big"), "E:ENOENT");
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineInput, MalformedPayloadsFromAGuest) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  const std::string before = h.dump();
  EXPECT_EQ(h.call(guest, XS_READ, "nonul"), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_READ, ""), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_READ, std::string(1, '\0')), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_WRITE, "nonul"), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_MKDIR, std::string(1, '\0')), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_WRITE, std::string("a/../b\0v", 8)), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_WRITE, std::string("a b\0v", 5)), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_WRITE, std::string("@introduceDomain\0v", 18)), "E:EINVAL");
  EXPECT_EQ(h.call(guest, XS_RM, nul_join({"/"})), "E:EACCES");
  EXPECT_EQ(h.call(guest, XS_WATCH, nul_join({"/a b", "t"})), "E:EINVAL");
  EXPECT_EQ(h.call(guest, 99, "x"), "E:ENOSYS");
  EXPECT_EQ(h.call(guest, XS_WATCH_EVENT, "x"), "E:ENOSYS");
  EXPECT_EQ(h.call(guest, XS_ERROR, "x"), "E:ENOSYS");
  EXPECT_EQ(h.call(guest, protocol::kRestrict, nul_join({"5"})), "E:ENOSYS");
  EXPECT_EQ(h.dump(), before);
  // Embedded NULs in a value are data.
  EXPECT_EQ(h.call(guest, XS_WRITE, std::string("v\0a\0b", 5)), kOk);
  EXPECT_EQ(h.read(guest, "v"), std::string("a\0b", 3));
}

}  // namespace
}  // namespace cxxenstored::hostile
