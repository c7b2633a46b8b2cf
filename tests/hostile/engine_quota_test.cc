// Quotas a guest hits through the request engine (README hostile list items
// 3, 4, 5): node size, nodes per domain, permissions per node, path length,
// watches per domain, transactions per domain, nodes accessed by one
// transaction, memory per domain. Each test checks the exact error the C
// daemon (4.17) sends, that the store is unchanged by the refused request,
// that dom0 and other domains are unaffected, and that accounting still
// matches a recount of the tree.
#include <gtest/gtest.h>

#include <string>

#include "engine_harness.h"

namespace cxxenstored::hostile {
namespace {

constexpr DomainId kGuest = 5;
constexpr DomainId kOtherGuest = 6;

// A guest home as the toolstack makes it: created by dom0, owned by the guest.
void make_home(EngineHarness& h, SessionId dom0, DomainId domain) {
  const std::string home = store::home_path(domain);
  ASSERT_EQ(h.write(dom0, home, ""), std::string("OK\0", 3));
  ASSERT_EQ(h.call(dom0, XS_SET_PERMS, nul_join({home, "n" + std::to_string(domain)})),
            std::string("OK\0", 3));
}

const std::string kOk("OK\0", 3);

TEST(EngineQuota, NodeSizeAboveQuotaIsRefusedAndStoreUnchanged) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  // Charged size: 24-byte record header + 8 per permission + value.
  // The C daemon refuses a node whose charged size reaches the quota (2048).
  EXPECT_EQ(h.write(guest, "fits", std::string(2048 - 24 - 8 - 1, 'v')), kOk);
  const std::string before = h.dump();
  EXPECT_EQ(h.write(guest, "big", std::string(2048 - 24 - 8, 'v')), "E:ENOSPC");
  EXPECT_EQ(h.write(guest, "fits", std::string(4000, 'v')), "E:ENOSPC");
  EXPECT_EQ(h.dump(), before);
  // dom0 is not subject to the quota.
  EXPECT_EQ(h.write(dom0, "/tool/big", std::string(4000, 'v')), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, TooManyNodesPerDomainStopsAtTheQuota) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  // SET_QUOTA is how the toolstack lowers it at run time.
  ASSERT_EQ(h.call(dom0, protocol::kSetQuota, nul_join({"nodes", "20"})), kOk);
  make_home(h, dom0, kGuest);
  make_home(h, dom0, kOtherGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  int refused = 0;
  for (int i = 0; i < 50; ++i) {
    std::string reply = h.write(guest, "n" + std::to_string(i), "x");
    if (reply == kOk) {
      ++ok;
    } else {
      EXPECT_EQ(reply, "E:ENOSPC");
      ++refused;
    }
  }
  // The home itself is one of the 20 nodes the guest owns.
  EXPECT_EQ(ok, 19);
  EXPECT_EQ(refused, 31);
  EXPECT_EQ(h.store.usage().nodes(kGuest), 20);
  EXPECT_EQ(h.read(guest, "n18"), "x");
  EXPECT_EQ(h.read(guest, "n19"), "E:ENOENT");
  // Another domain and dom0 are unaffected.
  SessionId other = h.open_guest(kOtherGuest);
  EXPECT_EQ(h.write(other, "mine", "y"), kOk);
  EXPECT_EQ(h.write(dom0, "/tool/after", "z"), kOk);
  // Removing nodes frees quota again.
  EXPECT_EQ(h.call(guest, XS_RM, nul_join({"n0"})), kOk);
  EXPECT_EQ(h.write(guest, "again", "x"), kOk);
  EXPECT_TRUE(h.check().empty());
}

TEST(EngineQuota, TooManyPermissionEntriesIsRefused) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  ASSERT_EQ(h.write(guest, "node", "v"), kOk);
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"node", "n5", "r1", "r2", "r3", "r4"})), kOk);
  const std::string before = h.dump();
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, nul_join({"node", "n5", "r1", "r2", "r3", "r4", "r6"})),
            "E:ENOSPC");
  std::string many = "node";
  many.push_back('\0');
  for (int i = 0; i < 1000; ++i) many += "r" + std::to_string(i) + std::string(1, '\0');
  EXPECT_EQ(h.call(guest, XS_SET_PERMS, many), "E:ENOSPC");
  EXPECT_EQ(h.dump(), before);
  // dom0 may set more (no quota for the privileged).
  EXPECT_EQ(h.call(dom0, XS_SET_PERMS, many.replace(0, 4, "/tool")), kOk);
}

TEST(EngineQuota, PathLongerThanPathMaxIsInvalidForGuests) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  const std::string before = h.dump();
  // path-max counts the characters after "/local/domain/<id>/".
  EXPECT_EQ(h.write(guest, std::string(2049, 'a'), "v"), "E:EINVAL");
  EXPECT_EQ(h.write(guest, "/local/domain/5/" + std::string(2049, 'a'), "v"), "E:EINVAL");
  EXPECT_EQ(h.read(guest, std::string(100000, 'a')), "E:EINVAL");
  EXPECT_EQ(h.dump(), before);
}

TEST(EngineQuota, TooManyWatchesPerDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  for (int i = 0; i < 300; ++i) {
    std::string reply = h.call(guest, XS_WATCH, nul_join({"w" + std::to_string(i), "tok"}));
    if (reply == kOk) {
      ++ok;
    } else {
      EXPECT_EQ(reply, "E:E2BIG");
    }
  }
  // The C daemon refuses once the domain already has more than the quota.
  EXPECT_EQ(ok, static_cast<int>(h.limits.watches_per_domain) + 1);
  EXPECT_EQ(h.engine.watches_of_domain(kGuest), h.limits.watches_per_domain + 1);
  // A second connection of the same domain shares the quota.
  SessionId guest2 = h.open_guest(kGuest);
  EXPECT_EQ(h.call(guest2, XS_WATCH, nul_join({"x", "t"})), "E:E2BIG");
  // Other domains and dom0 are unaffected.
  SessionId other = h.open_guest(kOtherGuest);
  EXPECT_EQ(h.call(other, XS_WATCH, nul_join({"x", "t"})), kOk);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ(h.call(dom0, XS_WATCH, nul_join({"/d" + std::to_string(i), "t"})), kOk);
  // Closing the guest's connections frees everything.
  h.close(guest);
  h.close(guest2);
  EXPECT_EQ(h.engine.watches_of_domain(kGuest), 0u);
}

TEST(EngineQuota, TooManyTransactionsPerDomain) {
  EngineHarness h;
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  int ok = 0;
  for (int i = 0; i < 40; ++i) {
    std::string reply = h.call(guest, XS_TRANSACTION_START, std::string(1, '\0'));
    if (reply == "E:ENOSPC") continue;
    ++ok;
  }
  EXPECT_EQ(ok, static_cast<int>(h.limits.transactions_per_domain) + 1);
  // Ending one makes room for one more.
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_END, nul_join({"F"}), 1), kOk);
  EXPECT_NE(h.start_transaction(guest), 0u);
  EXPECT_EQ(h.call(guest, XS_TRANSACTION_START, std::string(1, '\0')), "E:ENOSPC");
  // dom0 has no transaction quota.
  for (int i = 0; i < 100; ++i) EXPECT_NE(h.start_transaction(dom0), 0u);
  // Plain requests of the guest still work.
  EXPECT_EQ(h.write(guest, "plain", "v"), kOk);
}

TEST(EngineQuota, TransactionTouchingTooManyNodesFailsWithoutCorruptingTheStore) {
  store::Quotas quotas;
  quotas.nodes_per_domain = 100000;
  EngineHarness h(quotas);
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  std::uint32_t tx = h.start_transaction(guest);
  ASSERT_NE(tx, 0u);
  int ok = 0;
  std::string first_error;
  for (int i = 0; i < 1500; ++i) {
    // Two levels, so that no parent's child list reaches the node-size quota.
    std::string reply = h.write(guest, "p" + std::to_string(i / 40) + "/" + std::to_string(i % 40), "v", tx);
    if (reply == kOk) {
      ++ok;
    } else if (first_error.empty()) {
      first_error = reply;
    }
  }
  EXPECT_EQ(first_error, "E:ENOSPC");
  EXPECT_LE(ok, static_cast<int>(quotas.transaction_nodes));
  // Each new node also touches its parent.
  EXPECT_GT(ok, static_cast<int>(quotas.transaction_nodes) / 2);
  const std::string before = h.dump();
  // Nothing is live before the commit; whatever the commit's outcome, the
  // store stays consistent and within the quota.
  std::string end = h.call(guest, XS_TRANSACTION_END, nul_join({"T"}), tx);
  EXPECT_TRUE(end == kOk || end == "E:ENOSPC" || end == "E:EAGAIN") << end;
  if (end != kOk) {
    EXPECT_EQ(h.dump(), before);
  }
  EXPECT_LE(h.store.usage().nodes(kGuest), static_cast<std::int64_t>(quotas.transaction_nodes) + 1);
  EXPECT_TRUE(h.check().empty());
  // The guest can carry on.
  EXPECT_EQ(h.write(guest, "after", "v"), kOk);
}

TEST(EngineQuota, MemoryPerDomainIsEnforced) {
  HOSTILE_NEEDS(
      "memory quota (-Q memory=, default 2621440): the C daemon charges node, watch, "
      "transaction and request memory per domain and answers ENOMEM above it; Limits::memory_per_domain "
      "is parsed but never checked");
  store::Quotas quotas;
  quotas.nodes_per_domain = 100000;
  EngineHarness h(quotas);
  SessionId dom0 = h.open_dom0();
  make_home(h, dom0, kGuest);
  SessionId guest = h.open_guest(kGuest);
  std::string last;
  int ok = 0;
  for (int i = 0; i < 2000; ++i) {
    last = h.write(guest, "m" + std::to_string(i), std::string(2000, 'm'));
    if (last != kOk) break;
    ++ok;
  }
  EXPECT_EQ(last, "E:ENOMEM");
  EXPECT_LT(static_cast<std::size_t>(ok) * 2000, h.limits.memory_per_domain);
}

}  // namespace
}  // namespace cxxenstored::hostile
